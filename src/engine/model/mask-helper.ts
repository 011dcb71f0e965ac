/**
 * A tile's masks on several threads (util/helper-thread.ts): this thread and the helper threads (one per
 * core beyond this one's) claim the masks one by one, largest box first, until none is left. The
 * cell-major prototypes live in a SharedArrayBuffer all threads read (nothing copied), and all run the
 * same maskInBox, so the masks are bit-identical to a one-thread decode.
 */
import { throwIfAborted } from '../errors.js';
import type { CroppedMask } from '../types.js';
import { shareWork } from '../util/helper-thread.js';
import { maskAt } from './masks.js';
import type { ProtoGeometry } from './masks.js';

export type MaskResult = { mask: CroppedMask; area: number };

/**
 * The masks of k detections (coefficients k × nm, boxes k × 4 xyxy in image pixels), in order.
 * `byCell`: the cell-major prototypes; the work is split only when they are over a SharedArrayBuffer.
 */
export async function computeMasks(protos: Float32Array, byCell: Float32Array | undefined, g: ProtoGeometry, coeffs: Float32Array, boxes: Float64Array, signal?: AbortSignal): Promise<MaskResult[]> {
  let n = 0;
  const near = (i: number, stop: () => void = () => {}): MaskResult => {
    if (++n % 16 === 0 && signal?.aborted) {
      stop();
      throwIfAborted(signal);
    }
    return maskAt(protos, coeffs, boxes, i, g, byCell);
  };
  const k = boxes.length / 4;
  if (!byCell || !(byCell.buffer instanceof SharedArrayBuffer)) return Array.from({ length: k }, (_, i) => near(i));
  const out = await shareWork(
    k,
    // the cost of a mask grows with its box
    (i) => Math.max(0, (boxes[4 * i + 2] - boxes[4 * i]) * (boxes[4 * i + 3] - boxes[4 * i + 1])) + 64,
    near,
    // Every helper gets all coefficients and boxes (a few tens of KB, copied): it may claim any mask.
    (claim, order) => ({ job: { type: 'masks', byCell, geometry: g, coeffs, boxes, claim, order } }),
  );
  throwIfAborted(signal);
  return out;
}
