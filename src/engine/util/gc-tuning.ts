/**
 * V8's garbage collector in the engine's own processes: the `fastsam-geo` command and everything it
 * runs (extract, serve, worker and its threads, bench). Not done on import: a program that embeds the
 * engine keeps its own settings (it can call this, or start node with --no-incremental-marking-task).
 *
 * Why: while the model runs a tile (0.2–0.7 s), this thread waits. V8 reads the quiet as a good moment
 * and starts incremental marking from a task, so nearly every tile paid one full mark-compact of a
 * 15–25 MB heap, most of it on the tile's critical path after the model returned. Measured here (2
 * vCPUs): with the model replaced by stored outputs and a 250 ms wait, 20 one-tile runs @640, full
 * collections 20 → 8 and their time (pauses + incremental steps) ≈ 11 → 2 ms per tile; with the real
 * model, one-tile runs with it on / off toggled run by run in one process (median of 15 each), the time
 * outside the model 86 → 71 ms @640, 131 → 106 ms @1024. Without the task, marking starts when
 * allocation reaches the heap's limit, as in any busy program; peak memory did not grow (64-tile
 * raster through the CLI, twice each: 0.81 / 0.85 GB with the task, 0.83 / 0.76 GB without).
 *
 * And a small heap may grow 4× between full collections (V8 alone grows it by 1.1–2×): the engine's
 * heap holds 10–15 MB that live on, and each tile leaves 1–3 MB that outlive a scavenge, so V8 marked
 * the whole heap every 2–3 tiles. Side by side in one process (4×4-tile raster @640, two 1-thread
 * sessions, 8 passes each, alternating): full collections 23 → 7 in 5 passes, CPU time per tile (all
 * threads) 476 → 463 ms, wall time 254 → 249 ms. Bounded: only while a full collection leaves less than
 * SMALL_HEAP_BYTES live (so at most ~4 × 32 MB between collections); a larger heap gets V8's own
 * growth from its next full collection on. Peak RSS of `extract --no-cache` on a 64-tile raster @640:
 * 0.74 / 0.72 → 0.78 / 0.78 GB (with the model worker's compact outputs, model/after-run.ts).
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/** A heap with less than this live after a full collection may grow 4× (heap growing 300 %). */
export const SMALL_HEAP_BYTES = 32 * 2 ** 20;
const SMALL_HEAP_GROWING_PERCENT = 300;

let done = false;
let growing = -1;

/** The heap growing percent set for this process now (0: V8's own), -1 before tuneGarbageCollector. */
export function heapGrowingPercent(): number {
  return growing;
}

function setGrowing(percent: number): void {
  if (percent === growing) return;
  growing = percent;
  // Read by V8 when a full collection sets the next one's limit.
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * Turns off V8's task-started incremental marking for this process and lets a small heap grow 4×
 * between full collections (once; later calls do nothing).
 */
export function tuneGarbageCollector(): void {
  if (done) return;
  done = true;
  // A V8 flag read each time the collector would post the task: setting it now takes effect now.
  v8.setFlagsFromString('--no-incremental-marking-task');
  setGrowing(SMALL_HEAP_GROWING_PERCENT);
  // After each full collection: what it left decides the growth up to the next one.
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as unknown as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      setGrowing(v8.getHeapStatistics().used_heap_size < SMALL_HEAP_BYTES ? SMALL_HEAP_GROWING_PERCENT : 0);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection now (V8's gc, exposed at run time), for measurements and their tests: e.g.
 * before a bench contender's pass (bench/measure.ts settle), so that the garbage an earlier contender left
 * is not collected in this one's time (by the collector's threads, on the cores the model runs on). Does
 * nothing where V8 refuses.
 */
export function fullCollection(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
