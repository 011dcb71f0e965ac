/**
 * One helper thread per process for the CPU work of a tile that splits well (its masks, tracing and
 * shaping its objects): after the model run the cores are idle but for this thread, so part of that
 * work goes to the helper (helper-worker.ts) while this thread does the rest.
 *
 * The helper starts when a model is loaded (startHelperThread) and takes work once it has said it is
 * ready; before that, on one core, after a failure, or with FASTSAM_GEO_HELPER_THREAD=0, `helperReady()`
 * is false and callers do everything on their own thread. It never keeps the process alive while idle.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HelperJob, HelperReply } from './helper-worker.js';

const WORKER_URL = new URL('./helper-worker.js', import.meta.url);

interface Helper {
  worker: Worker;
  ready: boolean;
  onReady: (() => void)[];
  pending: Map<number, { resolve: (m: unknown) => void; reject: (e: Error) => void }>;
  nextId: number;
}

/** undefined: not started; null: not available (one core, turned off, or failed). */
let helper: Helper | null | undefined;

/** Starts the helper thread (once per process); cheap to call again. */
export function startHelperThread(): void {
  if (helper !== undefined) return;
  if (availableParallelism() < 2 || process.env.FASTSAM_GEO_HELPER_THREAD === '0') {
    helper = null;
    return;
  }
  let worker: Worker;
  try {
    worker = new Worker(WORKER_URL);
  } catch {
    helper = null;
    return;
  }
  const h: Helper = { worker, ready: false, onReady: [], pending: new Map(), nextId: 1 };
  const fail = (err: Error): void => {
    if (helper === h) helper = null;
    h.onReady.splice(0).forEach((f) => f());
    for (const p of h.pending.values()) p.reject(err);
    h.pending.clear();
  };
  worker.on('message', (m: HelperReply) => {
    if (m.type === 'ready') {
      h.ready = true;
      h.onReady.splice(0).forEach((f) => f());
      return;
    }
    const p = h.pending.get(m.id);
    if (!p) return;
    h.pending.delete(m.id);
    if (h.pending.size === 0) worker.unref();
    if (m.type === 'done') p.resolve(m.result);
    else p.reject(new Error(m.message));
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', () => fail(new Error('helper thread exited')));
  worker.unref();
  helper = h;
}

let enabled = true;

/** Turns the use of the helper off / on again (the bench measures both side by side). */
export function useHelperThread(on: boolean): void {
  enabled = on;
}

/** Resolves once the helper has started (true) or is not available (false). */
export function whenHelperReady(): Promise<boolean> {
  startHelperThread();
  const h = helper;
  if (!h || h.ready) return Promise.resolve(!!h);
  h.worker.ref(); // an idle helper does not keep the process alive: this wait must
  return new Promise((resolve) =>
    h.onReady.push(() => {
      if (h.pending.size === 0) h.worker.unref();
      resolve(helper === h && h.ready);
    }),
  );
}

/** Jobs sent to the helper so far (tests, bench). */
export function helperJobsSent(): number {
  return helper ? helper.nextId - 1 : 0;
}

/** True when work can be sent now. */
export function helperReady(): boolean {
  return enabled && !!helper?.ready;
}

type Job = HelperJob extends infer J ? (J extends { id: number } ? Omit<J, 'id'> : never) : never;

/**
 * Sends a job; resolves with its result. Rejects when the helper is not ready or fails (the caller
 * then does the work itself). Arrays in `transfer` are moved, not copied.
 */
export function helperRun<R>(job: Job, transfer: ArrayBuffer[] = []): Promise<R> {
  const h = helper;
  if (!h?.ready) return Promise.reject(new Error('helper thread not ready'));
  const id = h.nextId++;
  return new Promise<R>((resolve, reject) => {
    h.pending.set(id, { resolve: resolve as (m: unknown) => void, reject });
    h.worker.ref();
    h.worker.postMessage({ ...job, id } as HelperJob, transfer);
  });
}

/**
 * Runs `items` split in two, balanced by `weight`: one part on the helper thread (`far`, one message),
 * the other here (`near`, one call per item) meanwhile. Results in item order. Without a ready helper,
 * below `minItems`, or if the helper fails, every item is done here.
 */
export async function splitWork<T, R>(
  items: readonly T[],
  weight: (t: T) => number,
  near: (t: T) => R,
  far: (part: T[]) => Promise<R[]>,
  minItems = 16,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  if (!helperReady() || items.length < minItems) {
    for (let i = 0; i < items.length; i++) out[i] = near(items[i]);
    return out;
  }
  const mine: number[] = [];
  const theirs: number[] = [];
  let wMine = 0, wTheirs = 0;
  for (let i = 0; i < items.length; i++) {
    const w = weight(items[i]);
    if (wTheirs < wMine) { theirs.push(i); wTheirs += w; }
    else { mine.push(i); wMine += w; }
  }
  const pending = far(theirs.map((i) => items[i]));
  pending.catch(() => {}); // awaited below; a failure falls back to this thread
  for (const i of mine) out[i] = near(items[i]);
  let got: R[] | null = null;
  try {
    got = await pending;
  } catch {
    got = null;
  }
  theirs.forEach((i, j) => (out[i] = got ? got[j] : near(items[i])));
  return out;
}
