/**
 * Turns of the event loop in the middle of a long piece of work on this thread. The engine's server
 * runs extraction jobs in its own process: a tile row's shaping is tens to hundreds of milliseconds of
 * JavaScript (about 15 ms per 1024² tile of buildings here, a row of a large raster holds 20 tiles or
 * more), and without a turn every request that arrives meanwhile (a click on the map, a job's progress)
 * waits for the whole row.
 */
import { performance } from 'node:perf_hooks';
import { throwIfAborted } from '../errors.js';

/** A turn of the event loop (setImmediate: after pending I/O callbacks and worker messages). */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let defaultSliceMs = 10;

/** The default slice of TimeSlice (ms); Infinity: never a turn (tests compare outputs with and without). */
export function setDefaultSliceMs(ms: number): number {
  const before = defaultSliceMs;
  defaultSliceMs = ms;
  return before;
}

/**
 * Says when a slice of work has run long enough to give the event loop a turn:
 * `if (slice.due()) await slice.turn();` between items of a loop.
 */
export class TimeSlice {
  private start = performance.now();
  /** Turns taken so far. */
  turns = 0;

  constructor(private readonly ms: number = defaultSliceMs) {}

  due(): boolean {
    return performance.now() - this.start >= this.ms;
  }

  async turn(): Promise<void> {
    await yieldTurn();
    this.turns++;
    this.start = performance.now();
  }

  /** A turn when one is due, then the abort check: `await slice.pause(signal)` between items of a loop. */
  async pause(signal?: AbortSignal): Promise<void> {
    if (!this.due()) return;
    await this.turn();
    throwIfAborted(signal);
  }
}
