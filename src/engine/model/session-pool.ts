/**
 * Several sessions of one model as one OnnxSession: a run goes to a member with no run in flight (the
 * first such); when every member is busy it waits, and the member that frees next is handed to the
 * oldest waiting run. So a stream of tiles with more runs in flight than sessions (pipeline/tile-stages)
 * keeps every session busy, and no tile waits behind a slower run while another session idles. On a
 * small machine two 1-thread sessions on two tiles can out-run one 2-thread session on one tile (ONNX
 * Runtime scales < 2× from 1 to 2 threads); on one tile they are slower, so a pool is for many-tile
 * rasters only (autoSessions). See BENCHMARKS.md.
 */
import { EngineError, throwIfAborted } from '../errors.js';
import type { OnnxSession } from './session.js';

export function poolSessions(members: OnnxSession[]): OnnxSession {
  if (members.length === 0) throw new EngineError('INTERNAL', 'session pool: no sessions');
  const busy = members.map(() => false);
  /** Runs waiting for a member, first come first served: each is handed the member that frees. */
  const waiting: ((k: number) => void)[] = [];
  const first = members[0];
  function acquire(signal?: AbortSignal): Promise<number> {
    throwIfAborted(signal);
    const k = busy.indexOf(false);
    if (k >= 0) {
      busy[k] = true;
      return Promise.resolve(k);
    }
    return new Promise<number>((resolve, reject) => {
      const take = (k: number): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(k);
      };
      const onAbort = (): void => {
        const i = waiting.indexOf(take);
        if (i >= 0) waiting.splice(i, 1);
        reject(new EngineError('ABORTED', 'cancelled'));
      };
      waiting.push(take);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
  function release(k: number): void {
    const next = waiting.shift();
    if (next) next(k);
    else busy[k] = false;
  }
  return {
    ...first,
    intraOpThreads: members.reduce((a, m) => a + m.intraOpThreads, 0),
    sessions: members.length,
    async run(feeds, signal, after) {
      const k = await acquire(signal);
      try {
        return await members[k].run(feeds, signal, after);
      } finally {
        release(k);
      }
    },
    async dispose() {
      await Promise.all(members.map((m) => m.dispose()));
    },
  };
}

/** Rasters of at least this many tiles get two sessions by default (autoSessions). */
export const AUTO_SESSIONS_MIN_TILES = 16;

/**
 * Sessions for a model loaded to extract `tiles` tiles with `threads` intra-op threads in all, when the
 * caller did not choose: two (threads split between them) on 2–4 threads from AUTO_SESSIONS_MIN_TILES
 * tiles on, else one. Measured through the CLI on 2 cores, model load included, FastSAM-s eq. (both
 * layouts alternating, two sessions vs one): 16 tiles @640 6.06 / 6.31 / 6.48 / 6.88 / 6.65 s vs 6.35 /
 * 7.20 / 6.61 / 6.89 / 7.28 s, 36 tiles 12.4 / 13.5 / 13.3 vs 12.3 / 14.2 / 13.7 s, 64 tiles 17.3 / 18.0
 * vs 20.7 / 19.5 s, 16 tiles @1024 12.2 / 10.4 vs 13.3 / 11.8 s; the same output file. It costs memory: a
 * second session's arena (RSS 0.49–0.53 → 0.72–0.85 GB @640, 0.73–0.77 → 1.25–1.26 GB @1024). Not
 * measured beyond 4 threads, so more cores keep one session.
 */
export function autoSessions(tiles: number, threads: number): number {
  return threads >= 2 && threads <= 4 && tiles >= AUTO_SESSIONS_MIN_TILES ? 2 : 1;
}
