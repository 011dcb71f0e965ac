/**
 * A helper thread (helper-thread.ts): does the part of a tile's work it is sent and sends it back.
 *
 *   ← {type: 'ready'} once, at start
 *   → {type: 'masks', id, byCell, geometry, coeffs, boxes, claim, order}
 *   ← {type: 'done', id, result: {indices, result: masks}} (bitmaps moved)
 *   ← {type: 'error', id, message} when a job throws (the caller then does it itself)
 *
 * `byCell` are the tile's cell-major prototypes over a SharedArrayBuffer (not copied). The masks are
 * claimed one by one from `claim` (shared with the other threads) in `order` (helper-thread.ts shareWork).
 */
import { parentPort } from 'node:worker_threads';
import { maskAt } from '../model/masks.js';
import type { ProtoGeometry } from '../model/masks.js';
import type { CroppedMask } from '../types.js';

export type HelperJob = { type: 'masks'; id: number; byCell: Float32Array; geometry: ProtoGeometry; coeffs: Float32Array; boxes: Float64Array; claim: Int32Array; order: Int32Array };

export type HelperReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'error'; id: number; message: string };

function masks(job: HelperJob): { result: { indices: Int32Array; result: { mask: CroppedMask; area: number }[] }; transfer: ArrayBuffer[] } {
  const result: { mask: CroppedMask; area: number }[] = [];
  const indices: number[] = [];
  const n = job.order.length;
  // The raw prototypes are not read when the cell-major ones are given.
  for (let k = Atomics.add(job.claim, 0, 1); k < n; k = Atomics.add(job.claim, 0, 1)) {
    const i = job.order[k];
    result.push(maskAt(job.byCell, job.coeffs, job.boxes, i, job.geometry, job.byCell));
    indices.push(i);
  }
  return { result: { indices: Int32Array.from(indices), result }, transfer: result.map((m) => m.mask.data.buffer as ArrayBuffer) };
}

const port = parentPort!;
port.on('message', (job: HelperJob) => {
  try {
    const { result, transfer } = masks(job);
    port.postMessage({ type: 'done', id: job.id, result } satisfies HelperReply, transfer);
  } catch (err) {
    port.postMessage({ type: 'error', id: job.id, message: err instanceof Error ? err.message : String(err) } satisfies HelperReply);
  }
});
port.postMessage({ type: 'ready' } satisfies HelperReply);
