/**
 * The SpaceNet building metric on polygons in one projected CRS: candidate pairs by bounding-box
 * overlap, IoU with polyclip-ts (a robust clipper; its bignumber arithmetic costs ~3 ms per real
 * outline pair, fine at evaluation sizes), then one-to-one matches greedily by descending IoU among
 * pairs with IoU ≥ threshold (ties: lower predicted index, then lower truth index). TP = matches,
 * FP = unmatched predictions, FN = unmatched truths.
 */
import { intersection } from 'polyclip-ts';
import type { Geom as ClipGeom } from 'polyclip-ts';

export type PolygonCoords = number[][][];
export type Shape = PolygonCoords[]; // a MultiPolygon's coordinates

export interface MatchOptions {
  /** IoU threshold for a match (SpaceNet: 0.5). */
  iou?: number;
}

export interface Match {
  predicted: number;
  truth: number;
  iou: number;
}

export interface MatchResult {
  matches: Match[];
  /** Best IoU of each predicted / truth shape with any shape of the other side (0 when none overlaps). */
  bestPredicted: { iou: number; other: number }[];
  bestTruth: { iou: number; other: number }[];
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  /** Mean IoU of the matches (null without matches). */
  meanIoU: number | null;
}

function ringArea(r: number[][]): number {
  let s = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) s += r[j][0] * r[i][1] - r[i][0] * r[j][1];
  return s / 2;
}

/** Area of a MultiPolygon (outer rings minus holes, orientation-independent). */
export function shapeArea(s: Shape): number {
  let a = 0;
  for (const p of s) p.forEach((r, k) => (a += (k === 0 ? 1 : -1) * Math.abs(ringArea(r))));
  return a;
}

export function shapeBbox(s: Shape): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of s) for (const [x, y] of p[0] ?? []) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}

/** IoU of two shapes; coordinates shifted to a local origin for the clipper's precision. */
export function shapeIoU(a: Shape, b: Shape, areaA = shapeArea(a), areaB = shapeArea(b), origin?: [number, number]): number {
  if (areaA <= 0 || areaB <= 0) return 0;
  const [ox, oy] = origin ?? shapeBbox(a);
  const shift = (s: Shape): ClipGeom => s.map((p) => p.map((r) => r.map(([x, y]) => [x - ox, y - oy] as [number, number]))) as ClipGeom;
  const inter = intersection(shift(a), shift(b)) as unknown as Shape;
  const i = shapeArea(inter);
  const u = areaA + areaB - i;
  return u > 0 ? Math.min(1, Math.max(0, i / u)) : 0;
}

const ratio = (n: number, d: number, empty: number): number => (d > 0 ? n / d : empty);

export function matchShapes(predicted: Shape[], truth: Shape[], options: MatchOptions = {}): MatchResult {
  const threshold = options.iou ?? 0.5;
  const pa = predicted.map(shapeArea);
  const ta = truth.map(shapeArea);
  const pb = predicted.map(shapeBbox);
  const tb = truth.map(shapeBbox);
  // Candidate pairs: truths sorted by xmin, swept per prediction.
  const order = truth.map((_, i) => i).sort((i, j) => tb[i][0] - tb[j][0]);
  const pairs: Match[] = [];
  const bestPredicted = predicted.map(() => ({ iou: 0, other: -1 }));
  const bestTruth = truth.map(() => ({ iou: 0, other: -1 }));
  for (let p = 0; p < predicted.length; p++) {
    const [x0, y0, x1, y1] = pb[p];
    for (const t of order) {
      const b = tb[t];
      if (b[0] > x1) break;
      if (b[2] < x0 || b[3] < y0 || b[1] > y1) continue;
      const iou = shapeIoU(predicted[p], truth[t], pa[p], ta[t], [x0, y0]);
      if (iou <= 0) continue;
      if (iou > bestPredicted[p].iou) bestPredicted[p] = { iou, other: t };
      if (iou > bestTruth[t].iou) bestTruth[t] = { iou, other: p };
      if (iou >= threshold) pairs.push({ predicted: p, truth: t, iou });
    }
  }
  pairs.sort((a, b) => b.iou - a.iou || a.predicted - b.predicted || a.truth - b.truth);
  const usedP = new Set<number>();
  const usedT = new Set<number>();
  const matches: Match[] = [];
  for (const m of pairs) {
    if (usedP.has(m.predicted) || usedT.has(m.truth)) continue;
    usedP.add(m.predicted);
    usedT.add(m.truth);
    matches.push(m);
  }
  matches.sort((a, b) => a.predicted - b.predicted);
  const tp = matches.length;
  const fp = predicted.length - tp;
  const fn = truth.length - tp;
  // Empty sides: nothing predicted and nothing to find is perfect; otherwise the empty ratio is 0.
  const precision = ratio(tp, tp + fp, fn === 0 ? 1 : 0);
  const recall = ratio(tp, tp + fn, fp === 0 ? 1 : 0);
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const meanIoU = tp ? matches.reduce((s, m) => s + m.iou, 0) / tp : null;
  return { matches, bestPredicted, bestTruth, tp, fp, fn, precision, recall, f1, meanIoU };
}
