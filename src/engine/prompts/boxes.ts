/**
 * Box prompts on one tile's everything-mode masks: each box selects the mask with the highest
 * mask-to-box IoU = (mask pixels inside the box) / (box area + mask area − inside), as FastSAM's
 * box prompt does (ties: higher score, then lower index). Boxes are [x1, y1, x2, y2] in the tile's
 * pixels (x2, y2 exclusive), clamped to the tile; a box wholly outside is OUT_OF_BOUNDS. A box whose
 * best IoU is 0 (no mask touches it) is reported in `unmatched`.
 * Box edges are rounded to whole pixels (x1, y1 down; x2, y2 up), so fractional boxes cover every
 * pixel they touch.
 */
import { EngineError } from '../errors.js';
import type { Box } from '../types.js';
import type { MaskIndex } from './mask-index.js';
import { masksTouching, maskArea, maskPixelsIn } from './mask-index.js';
import type { PromptResult, Selected, MorphologyOptions } from './selection.js';
import { applyMorphology, finite } from './selection.js';

export type BoxPromptOptions = MorphologyOptions;

/** Validates and clamps boxes to integer pixel rectangles inside the tile. */
export function boxPixels(boxes: Box[], width: number, height: number): [number, number, number, number][] {
  if (!Array.isArray(boxes) || boxes.length === 0) {
    throw new EngineError('BAD_INPUT', `boxes: got ${JSON.stringify(boxes)}, expected a non-empty array of [x1, y1, x2, y2]`);
  }
  return boxes.map((b, i) => {
    if (!Array.isArray(b) || b.length !== 4) {
      throw new EngineError('BAD_INPUT', `boxes[${i}]: got ${JSON.stringify(b)}, expected [x1, y1, x2, y2]`);
    }
    const [x1, y1, x2, y2] = b.map((v, k) => finite(v, `boxes[${i}][${k}]`));
    if (!(x2 > x1 && y2 > y1)) {
      throw new EngineError('BAD_INPUT', `boxes[${i}]: got [${b.join(', ')}], expected x1 < x2 and y1 < y2`);
    }
    const cx1 = Math.max(0, Math.floor(x1));
    const cy1 = Math.max(0, Math.floor(y1));
    const cx2 = Math.min(width, Math.ceil(x2));
    const cy2 = Math.min(height, Math.ceil(y2));
    if (cx2 <= cx1 || cy2 <= cy1) {
      throw new EngineError(
        'OUT_OF_BOUNDS',
        `boxes[${i}] [${b.join(', ')}] is outside the image (0, 0, ${width}, ${height})`,
      );
    }
    return [cx1, cy1, cx2, cy2];
  });
}

/** Mask-to-box IoU of mask i with an integer pixel box. */
export function maskBoxIoU(index: MaskIndex, i: number, box: [number, number, number, number]): number {
  const [x1, y1, x2, y2] = box;
  const inside = maskPixelsIn(index, i, x1, y1, x2, y2);
  if (inside === 0) return 0;
  return inside / ((x2 - x1) * (y2 - y1) + maskArea(index, i) - inside);
}

export function selectByBoxes(index: MaskIndex, boxes: Box[], options: BoxPromptOptions = {}): PromptResult {
  const t0 = performance.now();
  const rects = boxPixels(boxes, index.width, index.height);
  const selected: Selected[] = [];
  const unmatched: number[] = [];
  rects.forEach((r, k) => {
    let best = -1;
    let bestIoU = 0;
    let bestScore = -Infinity;
    for (const i of masksTouching(index, r[0], r[1], r[2], r[3])) {
      const iou = maskBoxIoU(index, i, r);
      const s = index.detections[i].score;
      if (iou > bestIoU || (iou === bestIoU && iou > 0 && s > bestScore)) {
        best = i;
        bestIoU = iou;
        bestScore = s;
      }
    }
    if (best < 0) {
      unmatched.push(k);
      return;
    }
    selected.push({
      indices: [best],
      mask: index.detections[best].mask,
      area: maskArea(index, best),
      score: bestIoU,
      prompt: { type: 'box', index: k },
    });
  });
  applyMorphology(selected, options, index);
  return { selected, unmatched, timings: { select: performance.now() - t0 } };
}
