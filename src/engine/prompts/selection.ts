/** What every prompt returns: the selected masks of one tile result, with why and how well they matched. */
import type { CroppedMask } from '../types.js';
import { EngineError } from '../errors.js';
import { DEFAULTS } from '../config.js';
import { closeMask, openMask, countPixels } from './morphology.js';

export interface Selected {
  /** Indices into the tile's detections (several when merged). */
  indices: number[];
  /** The selected mask (after merge / morphology), in image pixels. */
  mask: CroppedMask;
  area: number;
  /** Match score: the detection score for points, mask-to-box IoU for boxes, CLIP similarity for text. */
  score: number;
  /** Which prompt selected it: index into the points / boxes given, or the text. */
  prompt: { type: 'point' | 'box' | 'text'; index: number };
}

export interface PromptResult {
  selected: Selected[];
  /** Prompt indices (fg points, boxes) that selected nothing. */
  unmatched: number[];
  timings: { select: number; [stage: string]: number };
}

export interface MorphologyOptions {
  /** Closing radius in pixels (0 = none). */
  closeRadius?: number;
  /** Opening radius in pixels (0 = none). */
  openRadius?: number;
}

/** Applies the optional close then open to each selection (in place), clipped to the image. */
export function applyMorphology(selected: Selected[], options: MorphologyOptions, image: { width: number; height: number }): void {
  const close = options.closeRadius ?? DEFAULTS.prompts.closeRadius;
  const open = options.openRadius ?? DEFAULTS.prompts.openRadius;
  if (!close && !open) return;
  for (const s of selected) {
    let m = s.mask;
    if (close) m = closeMask(m, close, image);
    if (open) m = openMask(m, open);
    s.mask = m;
    s.area = countPixels(m);
  }
}

/** Throws BAD_INPUT unless v is a finite number. */
export function finite(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new EngineError('BAD_INPUT', `${name}: got ${JSON.stringify(v)}, expected a finite number`);
  }
  return v;
}
