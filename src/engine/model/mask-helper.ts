/**
 * A tile's masks on several threads (util/helper-thread.ts): the box area is split between this thread and
 * the helper threads (one per core beyond this one's), each computing its part meanwhile. The cell-major prototypes live in a
 * SharedArrayBuffer all threads read (nothing copied), and all run the same maskInBox, so the masks
 * are bit-identical to a one-thread decode.
 */
import { throwIfAborted } from '../errors.js';
import type { CroppedMask } from '../types.js';
import { splitWork } from '../util/helper-thread.js';
import { maskAt } from './masks.js';
import type { ProtoGeometry } from './masks.js';

export type MaskResult = { mask: CroppedMask; area: number };

/**
 * The masks of k detections (coefficients k × nm, boxes k × 4 xyxy in image pixels), in order.
 * `byCell`: the cell-major prototypes; the work is split only when they are over a SharedArrayBuffer.
 */
export async function computeMasks(protos: Float32Array, byCell: Float32Array | undefined, g: ProtoGeometry, coeffs: Float32Array, boxes: Float64Array, signal?: AbortSignal): Promise<MaskResult[]> {
  const nm = g.nm;
  let n = 0;
  const near = (i: number): MaskResult => {
    if (++n % 16 === 0) throwIfAborted(signal);
    return maskAt(protos, coeffs, boxes, i, g, byCell);
  };
  const index = Array.from({ length: boxes.length / 4 }, (_, i) => i);
  if (!byCell || !(byCell.buffer instanceof SharedArrayBuffer)) return index.map(near);
  const out = await splitWork(
    index,
    // the cost of a mask grows with its box
    (i) => Math.max(0, (boxes[4 * i + 2] - boxes[4 * i]) * (boxes[4 * i + 3] - boxes[4 * i + 1])) + 64,
    near,
    (part) => {
      const c = new Float32Array(part.length * nm);
      const b = new Float64Array(part.length * 4);
      part.forEach((i, j) => {
        c.set(coeffs.subarray(i * nm, (i + 1) * nm), j * nm);
        b.set(boxes.subarray(4 * i, 4 * i + 4), 4 * j);
      });
      return { job: { type: 'masks', byCell, geometry: g, coeffs: c, boxes: b }, transfer: [c.buffer, b.buffer] };
    },
  );
  throwIfAborted(signal);
  return out;
}
