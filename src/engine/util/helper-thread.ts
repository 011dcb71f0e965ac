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
 * Runs `items` split into one part per ready helper plus one here, balanced by `weight` (each item goes to
 * the lightest part): each helper's part in one message (`far(part)` makes the job: the items and what
 * to move rather than copy), this thread's part meanwhile (`near`, one call per item). Results in item
 * order. Without a ready helper or below `minItems` everything is done here; a helper's part that fails is
 * done here too.
 */
export async function splitWork<T, R>(
  items: readonly T[],
  weight: (t: T) => number,
  near: (t: T) => R,
  far: (part: T[]) => { job: Job; transfer?: ArrayBuffer[] },
  minItems = 16,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  const hs = ready();
  if (hs.length === 0 || items.length < minItems) {
    for (let i = 0; i < items.length; i++) out[i] = near(items[i]);
    return out;
  }
  const parts: number[][] = Array.from({ length: hs.length + 1 }, () => []);
  const load = new Array<number>(parts.length).fill(0);
  for (let i = 0; i < items.length; i++) {
    let p = 0;
    for (let q = 1; q < parts.length; q++) if (load[q] < load[p]) p = q;
    parts[p].push(i);
    load[p] += weight(items[i]);
  }
  const pending = hs.map((h, k) => {
    const part = parts[k + 1];
    if (part.length === 0) return Promise.resolve([] as R[]);
    let sent: Promise<R[]>;
    try {
      const { job, transfer } = far(part.map((i) => items[i]));
      sent = send<R[]>(h, job, transfer ?? []);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.catch(() => {}); // awaited below; a failure falls back to this thread
    return sent;
  });
  for (const i of parts[0]) out[i] = near(items[i]);
  for (let k = 0; k < hs.length; k++) {
    let got: R[] | null = null;
    try {
      got = await pending[k];
    } catch {
      got = null;
    }
    parts[k + 1].forEach((i, j) => (out[i] = got ? got[j] : near(items[i])));
  }
  return out;
}
