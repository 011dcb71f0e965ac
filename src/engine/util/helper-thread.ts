/**
 * Helper threads for the CPU work of a tile that splits well (its masks): after the model run the cores
 * are idle but for this thread, so parts of that work go to the helpers (helper-worker.ts) while this
 * thread does its own part. A pool sized to the cores: one helper per core beyond this thread's (at most
 * 7), or $FASTSAM_GEO_HELPER_THREADS (0 turns them off).
 *
 * The helpers start when a model is loaded (startHelperThreads) and take work once they have said they are
 * ready; before that, on one core, after a failure, or when turned off, `helperReady()` is false and callers
 * do everything on their own thread. They never keep the process alive while idle.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HelperJob, HelperReply } from './helper-worker.js';

const WORKER_URL = new URL('./helper-worker.js', import.meta.url);
const MAX_HELPERS = 7;

interface Helper {
  worker: Worker;
  ready: boolean;
  dead: boolean;
  onReady: (() => void)[];
  pending: Map<number, { resolve: (m: unknown) => void; reject: (e: Error) => void }>;
  nextId: number;
}

/** null: not started yet. */
let helpers: Helper[] | null = null;
let enabled = true;

/** How many helpers a process gets: $FASTSAM_GEO_HELPER_THREADS, else one per core beyond this thread's. */
export function helperCount(): number {
  const env = process.env.FASTSAM_GEO_HELPER_THREADS;
  if (env !== undefined && env.trim() !== '' && Number.isInteger(Number(env)) && Number(env) >= 0) return Math.min(Number(env), MAX_HELPERS);
  return Math.max(0, Math.min(availableParallelism() - 1, MAX_HELPERS));
}

function startOne(): Helper | null {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_URL);
  } catch {
    return null;
  }
  const h: Helper = { worker, ready: false, dead: false, onReady: [], pending: new Map(), nextId: 1 };
  const fail = (err: Error): void => {
    h.dead = true;
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
  return h;
}

/** Starts the helper threads (once per process); cheap to call again. */
export function startHelperThreads(): void {
  if (helpers) return;
  helpers = [];
  for (let i = 0; i < helperCount(); i++) {
    const h = startOne();
    if (h) helpers.push(h);
  }
}

/** Resolves once every helper has started or failed: how many are ready. */
export async function whenHelpersReady(): Promise<number> {
  startHelperThreads();
  await Promise.all(helpers!.map((h) => {
    if (h.ready || h.dead) return undefined;
    h.worker.ref(); // an idle helper does not keep the process alive: this wait must
    return new Promise<void>((resolve) =>
      h.onReady.push(() => {
        if (h.pending.size === 0) h.worker.unref();
        resolve();
      }),
    );
  }));
  return ready().length;
}

/** Turns the use of the helpers off / on again (the bench measures both side by side). */
export function useHelperThreads(on: boolean): void {
  enabled = on;
}

function ready(): Helper[] {
  return enabled && helpers ? helpers.filter((h) => h.ready && !h.dead) : [];
}

/** True when work can be sent now. */
export function helperReady(): boolean {
  return ready().length > 0;
}

/** Jobs sent to the helpers so far (tests, bench). */
export function helperJobsSent(): number {
  return helpers ? helpers.reduce((a, h) => a + h.nextId - 1, 0) : 0;
}

type Job = HelperJob extends infer J ? (J extends { id: number } ? Omit<J, 'id'> : never) : never;

function send<R>(h: Helper, job: Job, transfer: ArrayBuffer[]): Promise<R> {
  const id = h.nextId++;
  return new Promise<R>((resolve, reject) => {
    h.pending.set(id, { resolve: resolve as (m: unknown) => void, reject });
    h.worker.ref();
    h.worker.postMessage({ ...job, id } as HelperJob, transfer);
  });
}

/**
 * Runs items 0 … n−1, shared between this thread and every ready helper as they go: each thread claims
 * the next item of `order` (heaviest first) from a counter in shared memory (`claim`, given to `far`),
 * so all finish within about one item of each other whatever each thread's speed. (A split fixed in
 * advance left this thread waiting 2–7 ms per 1024 tile for a helper that started later and ran slower.)
 * `near(i)`: item i here; `far(claim, order)`: the job for a helper, which claims items the same way
 * and replies with the indices it did and their results (helper-worker.ts). Results in item order.
 * Without a ready helper or below `minItems`, everything is done here; items a helper claimed but did
 * not return (a failure) are done here too. `stop()`, called by `near` when aborting, makes every thread
 * stop claiming.
 */
export async function shareWork<R>(
  n: number,
  weight: (i: number) => number,
  near: (i: number, stop: () => void) => R,
  far: (claim: Int32Array, order: Int32Array) => { job: Job; transfer?: ArrayBuffer[] },
  minItems = 16,
): Promise<R[]> {
  const out = new Array<R>(n);
  const hs = ready();
  if (hs.length === 0 || n < minItems) {
    for (let i = 0; i < n; i++) out[i] = near(i, () => {});
    return out;
  }
  const w = Float64Array.from({ length: n }, (_, i) => weight(i));
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => w[b] - w[a] || a - b);
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const stop = (): void => void Atomics.store(claim, 0, n);
  const pending = hs.map((h) => {
    let sent: Promise<{ indices: Int32Array; result: R[] }>;
    try {
      const { job, transfer } = far(claim, order);
      sent = send(h, job, transfer ?? []);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.catch(() => {}); // awaited below; a failure falls back to this thread
    return sent;
  });
  const done = new Uint8Array(n);
  try {
    for (let k = Atomics.add(claim, 0, 1); k < n; k = Atomics.add(claim, 0, 1)) {
      const i = order[k];
      out[i] = near(i, stop);
      done[i] = 1;
    }
  } finally {
    stop(); // a throw here (an abort) stops the helpers too
  }
  for (const p of pending) {
    let got: { indices: Int32Array; result: R[] } | null = null;
    try {
      got = await p;
    } catch {
      got = null;
    }
    if (!got) continue;
    got.indices.forEach((i, j) => {
      out[i] = got.result[j];
      done[i] = 1;
    });
  }
  for (let i = 0; i < n; i++) if (!done[i]) out[i] = near(i, stop);
  return out;
}
