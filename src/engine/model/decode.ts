/**
 * Decode of an Ultralytics segmentation head output0 [1, 4+C+nm, N] as ultralytics.utils.ops
 * non_max_suppression does it (class-agnostic): score = max class score, keep score > conf, sort by
 * score, greedy NMS suppressing IoU > iou, at most maxDet; then boxes are mapped back through the
 * letterbox (scale_boxes: subtract round(pad ∓ 0.1), divide by the gain, clip to the image).
 * Pure functions on typed arrays.
 */
import type { LetterboxGeometry } from './letterbox.js';
import { pyRound } from './letterbox.js';

export interface Candidates {
  /** Anchor index of each kept candidate, in output order (best first). */
  index: Int32Array;
  /** xyxy in model-input pixels, 4 per candidate. */
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  /** The candidates' mask coefficients (k × nm), when the session that ran the model gathered them (after-run.ts). */
  coeffs?: Float32Array;
}

/**
 * The layout of a segmentation head's outputs: output0 [1, 4+C+nm, N] and the prototypes [1, nm, mh, mw];
 * null when the dimensions are not that (C ≥ 1).
 */
export function segOutputLayout(detDims: readonly number[], protoDims: readonly number[]): { anchors: number; numClasses: number; nm: number } | null {
  if (detDims.length !== 3 || protoDims.length !== 4) return null;
  const numClasses = detDims[1] - 4 - protoDims[1];
  return numClasses >= 1 ? { anchors: detDims[2], numClasses, nm: protoDims[1] } : null;
}

/** The nm mask coefficients of each candidate anchor in `index`, from output0 laid out [rows, N] (k × nm). */
export function gatherCoefficients(out0: Float32Array, layout: { anchors: number; numClasses: number; nm: number }, index: Int32Array): Float32Array {
  const { anchors: N, numClasses, nm } = layout;
  const k = index.length;
  const coeffs = new Float32Array(k * nm);
  for (let i = 0; i < k; i += 1) {
    const a = index[i];
    for (let c = 0; c < nm; c += 1) coeffs[i * nm + c] = out0[(4 + numClasses + c) * N + a];
  }
  return coeffs;
}

export interface DecodeOptions {
  conf: number;
  iou: number;
  maxDet: number;
  numClasses: number;
  /** Candidates kept before NMS (Ultralytics max_nms). */
  maxNms?: number;
}

// The scores being sorted, set around the sort: the comparator is module-level, not a closure made per
// call (V8 recompiled that one on most calls: util/gc-tuning.ts).
let sortScores: number[] = [];
const byScoreDesc = (p: number, q: number): number => sortScores[q] - sortScores[p] || p - q;

/** Score filter + class-agnostic NMS over output0 laid out [rows, N] (row-major, batch 1). */
export function decodeDetections(out0: Float32Array, numAnchors: number, options: DecodeOptions): Candidates {
  const { conf, iou, maxDet, numClasses } = options;
  const maxNms = options.maxNms ?? 30000;
  const N = numAnchors;
  const idx: number[] = [];
  const sc: number[] = [];
  const cl: number[] = [];
  for (let a = 0; a < N; a += 1) {
    let best = out0[4 * N + a];
    let bc = 0;
    for (let c = 1; c < numClasses; c += 1) {
      const v = out0[(4 + c) * N + a];
      if (v > best) { best = v; bc = c; }
    }
    if (best > conf) { idx.push(a); sc.push(best); cl.push(bc); }
  }
  // Score descending, then anchor order (idx ascends with i).
  sortScores = sc;
  let order = idx.map((_, i) => i).sort(byScoreDesc);
  sortScores = [];
  if (order.length > maxNms) order = order.slice(0, maxNms);

  const m = order.length;
  const bx = new Float32Array(m * 4);
  const area = new Float32Array(m);
  for (let k = 0; k < m; k += 1) {
    const a = idx[order[k]];
    const cx = out0[a];
    const cy = out0[N + a];
    const w = out0[2 * N + a];
    const h = out0[3 * N + a];
    bx[4 * k] = cx - w / 2;
    bx[4 * k + 1] = cy - h / 2;
    bx[4 * k + 2] = cx + w / 2;
    bx[4 * k + 3] = cy + h / 2;
    area[k] = (bx[4 * k + 2] - bx[4 * k]) * (bx[4 * k + 3] - bx[4 * k + 1]);
  }
  const keep = nmsSorted(bx, area, iou, maxDet);
  const n = keep.length;
  const res: Candidates = { index: new Int32Array(n), boxes: new Float32Array(n * 4), scores: new Float32Array(n), classes: new Int32Array(n) };
  for (let i = 0; i < n; i += 1) {
    const k = keep[i];
    res.index[i] = idx[order[k]];
    res.scores[i] = sc[order[k]];
    res.classes[i] = cl[order[k]];
    res.boxes.set(bx.subarray(4 * k, 4 * k + 4), 4 * i);
  }
  return res;
}

/**
 * Greedy NMS over boxes already sorted by score: a box is kept unless its IoU with an already kept
 * box exceeds `iou` (torchvision.ops.nms); stops at maxDet kept. Returns indices into `boxes`.
 */
export function nmsSorted(boxes: Float32Array, area: Float32Array, iou: number, maxDet: number): number[] {
  const keep: number[] = [];
  const m = area.length;
  for (let k = 0; k < m && keep.length < maxDet; k += 1) {
    const x1 = boxes[4 * k]; const y1 = boxes[4 * k + 1]; const x2 = boxes[4 * k + 2]; const y2 = boxes[4 * k + 3];
    let ok = true;
    for (let j = 0; j < keep.length; j += 1) {
      const q = keep[j];
      const iw = Math.min(x2, boxes[4 * q + 2]) - Math.max(x1, boxes[4 * q]);
      if (iw <= 0) continue;
      const ih = Math.min(y2, boxes[4 * q + 3]) - Math.max(y1, boxes[4 * q + 1]);
      if (ih <= 0) continue;
      const inter = iw * ih;
      if (inter / (area[k] + area[q] - inter) > iou) { ok = false; break; }
    }
    if (ok) keep.push(k);
  }
  return keep;
}

/** Maps xyxy boxes (model-input pixels) back to the source image (Ultralytics scale_boxes + clip_boxes), in place. */
export function unletterboxBoxes(boxes: Float32Array | Float64Array, g: LetterboxGeometry): void {
  const gain = Math.min(g.dstHeight / g.srcHeight, g.dstWidth / g.srcWidth);
  const padX = pyRound((g.dstWidth - g.srcWidth * gain) / 2 - 0.1);
  const padY = pyRound((g.dstHeight - g.srcHeight * gain) / 2 - 0.1);
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = clamp((boxes[i] - padX) / gain, 0, g.srcWidth);
    boxes[i + 1] = clamp((boxes[i + 1] - padY) / gain, 0, g.srcHeight);
    boxes[i + 2] = clamp((boxes[i + 2] - padX) / gain, 0, g.srcWidth);
    boxes[i + 3] = clamp((boxes[i + 3] - padY) / gain, 0, g.srcHeight);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
