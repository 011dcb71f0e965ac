/**
 * Stages over a stream of tiles: `mapOrdered(source, fn, {ahead})` applies an async stage to each item
 * and yields the results in source order, running `fn` on up to `ahead` items beyond the one the consumer
 * holds. Chained stages are bounded queues: each holds at most `ahead + 1` items, so memory stays bounded
 * however many tiles there are, and a slow stage holds back the ones before it (back-pressure).
 *
 *   const read = mapOrdered(tiles, readTile, {ahead: 2, signal});
 *   const inferred = mapOrdered(read, inferTile, {ahead: 1, signal});
 *   for await (const t of inferred) ...
 *
 * An error (or an abort) in any stage ends the stream with that error; items in flight are dropped
 * (their rejections are handled, so none goes unhandled), and an early exit of the consumer stops the
 * upstream stages from pulling further items.
 */
import { throwIfAborted } from '../errors.js';

export interface StageOptions {
  /** Items processed ahead of the consumer (default 1: one in flight while the consumer works). */
  ahead?: number;
  signal?: AbortSignal;
}

export async function* mapOrdered<A, B>(
  source: Iterable<A> | AsyncIterable<A>,
  fn: (item: A, index: number) => Promise<B> | B,
  options: StageOptions = {},
): AsyncGenerator<B> {
  const ahead = Math.max(0, options.ahead ?? 1);
  const { signal } = options;
  const it: Iterator<A> | AsyncIterator<A> = Symbol.asyncIterator in Object(source)
    ? (source as AsyncIterable<A>)[Symbol.asyncIterator]()
    : (source as Iterable<A>)[Symbol.iterator]();
  const inFlight: Promise<B>[] = [];
  let index = 0;
  let exhausted = false;
  const pull = async (): Promise<boolean> => {
    if (exhausted) return false;
    const r = await it.next();
    if (r.done) {
      exhausted = true;
      return false;
    }
    throwIfAborted(signal);
    const p = Promise.resolve().then(() => fn(r.value, index++));
    p.catch(() => {});
    inFlight.push(p);
    return true;
  };
  try {
    while (true) {
      throwIfAborted(signal);
      while (inFlight.length <= ahead && (await pull()));
      const next = inFlight.shift();
      if (!next) return;
      yield await next;
    }
  } finally {
    if (!exhausted) await it.return?.();
  }
}
