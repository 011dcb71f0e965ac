/**
 * Point prompts on one tile's everything-mode masks.
 *
 * Unlike the FastSAM reference (which ORs every mask under a point into one blob, FastSAM issue #134):
 * - a background point (label 0) removes every mask that contains it;
 * - each foreground point (label 1) selects the SMALLEST remaining mask that contains it (ties: higher
 *   score, then lower index), so a click on a building picks that building, not the block around it;
 * - several foreground points select several objects (one per distinct mask), or one merged object
 *   with `merge: true`; a foreground point on no remaining mask is reported in `unmatched`.
 * Points are in the tile's pixel coordinates (x right, y down; pixel (i, j) covers [i, i+1) × [j, j+1)).
 * A point outside the tile is OUT_OF_BOUNDS.
 */
import { EngineError } from '../errors.js';
import { DEFAULTS } from '../config.js';
import type { MaskIndex } from './mask-index.js';
import { masksAt, maskArea } from './mask-index.js';
import { unionMasks, countPixels } from './morphology.js';
import type { PromptResult, Selected, MorphologyOptions } from './selection.js';
import { applyMorphology, finite } from './selection.js';

export interface PointPrompt {
  x: number;
  y: number;
  /** 1 = foreground (default), 0 = background. */
  label?: 0 | 1;
}

export interface PointPromptOptions extends MorphologyOptions {
  /** Merge the objects of all foreground points into one selection. Default DEFAULTS.prompts.mergePoints. */
  merge?: boolean;
}

/** Validates points and returns their integer pixels; OUT_OF_BOUNDS for a point outside the tile. */
export function pointPixels(points: PointPrompt[], width: number, height: number): { px: number; py: number; fg: boolean }[] {
  if (!Array.isArray(points) || points.length === 0) {
    throw new EngineError('BAD_INPUT', `points: got ${JSON.stringify(points)}, expected a non-empty array of {x, y, label}`);
  }
  return points.map((p, i) => {
    const x = finite(p?.x, `points[${i}].x`);
    const y = finite(p?.y, `points[${i}].y`);
    const label = p.label ?? 1;
    if (label !== 0 && label !== 1) {
      throw new EngineError('BAD_INPUT', `points[${i}].label: got ${JSON.stringify(p.label)}, expected 1 (foreground) or 0 (background)`);
    }
    if (x < 0 || y < 0 || x >= width || y >= height) {
      throw new EngineError(
        'OUT_OF_BOUNDS',
        `points[${i}] (${x}, ${y}) is outside the image: expected 0 ≤ x < ${width} and 0 ≤ y < ${height}`,
      );
    }
    return { px: Math.floor(x), py: Math.floor(y), fg: label === 1 };
  });
}

export function selectByPoints(index: MaskIndex, points: PointPrompt[], options: PointPromptOptions = {}): PromptResult {
  const t0 = performance.now();
  const merge = options.merge ?? DEFAULTS.prompts.mergePoints;
  const pts = pointPixels(points, index.width, index.height);

  const excluded = new Set<number>();
  for (const p of pts) if (!p.fg) for (const i of masksAt(index, p.px, p.py)) excluded.add(i);

  const picked: { det: number; point: number }[] = [];
  const unmatched: number[] = [];
  pts.forEach((p, k) => {
    if (!p.fg) return;
    let best = -1;
    let bestArea = Infinity;
    let bestScore = -Infinity;
    for (const i of masksAt(index, p.px, p.py)) {
      if (excluded.has(i)) continue;
      const a = maskArea(index, i);
      const s = index.detections[i].score;
      if (a < bestArea || (a === bestArea && s > bestScore)) {
        best = i;
        bestArea = a;
        bestScore = s;
      }
    }
    if (best < 0) unmatched.push(k);
    else if (!picked.some((q) => q.det === best)) picked.push({ det: best, point: k });
  });

  let selected: Selected[] = picked.map(({ det, point }) => ({
    indices: [det],
    mask: index.detections[det].mask,
    area: maskArea(index, det),
    score: index.detections[det].score,
    prompt: { type: 'point', index: point },
  }));
  if (merge && selected.length > 1) {
    const mask = unionMasks(selected.map((s) => s.mask));
    selected = [{
      indices: selected.map((s) => s.indices[0]),
      mask,
      area: countPixels(mask),
      score: Math.min(...selected.map((s) => s.score)),
      prompt: selected[0].prompt,
    }];
  }
  applyMorphology(selected, options, index);
  return { selected, unmatched, timings: { select: performance.now() - t0 } };
}
