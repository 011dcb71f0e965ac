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
 */
import v8 from 'node:v8';

let done = false;

/** Turns off V8's task-started incremental marking for this process (once; later calls do nothing). */
export function tuneGarbageCollector(): void {
  if (done) return;
  done = true;
  // A V8 flag read each time the collector would post the task: setting it now takes effect now.
  v8.setFlagsFromString('--no-incremental-marking-task');
}
