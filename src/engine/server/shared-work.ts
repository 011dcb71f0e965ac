/**
 * In-flight work shared between requests: callers asking for the same key while it runs wait for the one
 * execution instead of starting their own (30 identical whole-raster prompts segment the raster once, not
 * 30 times). The execution has its own AbortSignal, which fires when every caller waiting for it has gone
 * (its signal aborted): work nobody waits for is cancelled. A caller that leaves gets ABORTED at once;
 * the others keep waiting.
 */
import { EngineError } from '../errors.js';

interface Entry<V> {
  promise: Promise<V>;
  controller: AbortController;
  waiting: number;
}

export class SharedWork<V> {
  private readonly running = new Map<string, Entry<V>>();

  /** Executions in flight (for tests and health). */
  get size(): number {
    return this.running.size;
  }

  /** The result of `work` for `key`, sharing an execution already in flight. */
  run(key: string, work: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> {
    if (signal?.aborted) return Promise.reject(new EngineError('ABORTED', 'cancelled'));
    let entry = this.running.get(key);
    if (!entry) {
      const controller = new AbortController();
      const promise = (async () => work(controller.signal))();
      const e: Entry<V> = { promise, controller, waiting: 0 };
      entry = e;
      this.running.set(key, e);
      const done = (): void => {
        if (this.running.get(key) === e) this.running.delete(key);
      };
      promise.then(done, done);
    }
    const e = entry;
    e.waiting++;
    return new Promise<V>((resolve, reject) => {
      let settled = false;
      const leave = (): void => {
        if (settled) return;
        settled = true;
        e.waiting--;
        if (e.waiting === 0 && this.running.get(key) === e) {
          // nobody waits any more: cancel the work and let a later caller start afresh
          this.running.delete(key);
          e.controller.abort(new EngineError('ABORTED', 'every client waiting for this work has gone'));
        }
        reject(new EngineError('ABORTED', 'cancelled'));
      };
      signal?.addEventListener('abort', leave, { once: true });
      e.promise.then(
        (v) => {
          signal?.removeEventListener('abort', leave);
          if (settled) return;
          settled = true;
          e.waiting--;
          resolve(v);
        },
        (err: unknown) => {
          signal?.removeEventListener('abort', leave);
          if (settled) return;
          settled = true;
          e.waiting--;
          reject(err);
        },
      );
    });
  }
}
