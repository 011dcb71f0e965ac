/**
 * The SpaceNet building metric on polygons in one projected CRS: candidate pairs from a grid index of
 * the truth's bounding boxes, IoU in plain floating point (vectorize/polygon-iou: the intersection
 * area as a sum of edge-trapezoid integrals, no clipped polygon built; MultiPolygons part by part,
 * holes included), then one-to-one matches greedily by descending IoU among pairs with IoU ≥ threshold
 * (ties: lower predicted index, then lower truth index). TP = matches, FP = unmatched predictions,
 * FN = unmatched truths. The parts of a MultiPolygon must not overlap each other (valid OGC
 * geometries: traced masks, SpaceNet labels); overlapping parts would count twice.
 */
import { intersectionArea } from '../vectorize/polygon-iou.js';
import { BoxGrid } from './box-grid.js';

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

/** A shape's parts as flat rings ([x0, y0, x1, y1, …], what polygon-iou takes) with their boxes. */
interface FlatShape {
  parts: Float64Array[][];
  boxes: [number, number, number, number][];
}

function flatten(s: Shape): FlatShape {
  const parts = s.filter((p) => p.length > 0 && p[0].length >= 3).map((p) => p.map((r) => Float64Array.from(r.flatMap(([x, y]) => [x, y]))));
  return { parts, boxes: parts.map((p) => ringBox(p[0])) };
}

function ringBox(r: Float64Array): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < r.length; i += 2) {
    if (r[i] < x0) x0 = r[i];
    if (r[i] > x1) x1 = r[i];
    if (r[i + 1] < y0) y0 = r[i + 1];
    if (r[i + 1] > y1) y1 = r[i + 1];
  }
  return [x0, y0, x1, y1];
}

/** Area of A ∩ B: the sum over pairs of parts whose boxes overlap (the parts of a shape are disjoint). */
function flatIntersection(a: FlatShape, b: FlatShape): number {
  let sum = 0;
  for (let i = 0; i < a.parts.length; i++) {
    const p = a.boxes[i];
    for (let j = 0; j < b.parts.length; j++) {
      const q = b.boxes[j];
      if (q[0] >= p[2] || p[0] >= q[2] || q[1] >= p[3] || p[1] >= q[3]) continue;
      sum += intersectionArea(a.parts[i], b.parts[j]);
    }
  }
  return sum;
}

function iouOf(inter: number, areaA: number, areaB: number): number {
  if (areaA <= 0 || areaB <= 0) return 0;
  const u = areaA + areaB - inter;
  return u > 0 ? Math.min(1, Math.max(0, inter / u)) : 0;
}

/** IoU of two shapes (MultiPolygon coordinates; holes subtract). */
export function shapeIoU(a: Shape, b: Shape, areaA = shapeArea(a), areaB = shapeArea(b)): number {
  if (areaA <= 0 || areaB <= 0) return 0;
  return iouOf(flatIntersection(flatten(a), flatten(b)), areaA, areaB);
}

const ratio = (n: number, d: number, empty: number): number => (d > 0 ? n / d : empty);

export function matchShapes(predicted: Shape[], truth: Shape[], options: MatchOptions = {}): MatchResult {
  const threshold = options.iou ?? 0.5;
  const pa = predicted.map(shapeArea);
  const ta = truth.map(shapeArea);
  const pb = predicted.map(shapeBbox);
  const tb = truth.map(shapeBbox);
  const pf = predicted.map(flatten);
  const tf = truth.map(flatten);
  // Candidate pairs: the truths whose box meets the prediction's, from a uniform grid over the boxes.
  const grid = new BoxGrid(tb);
  const pairs: Match[] = [];
  const bestPredicted = predicted.map(() => ({ iou: 0, other: -1 }));
  const bestTruth = truth.map(() => ({ iou: 0, other: -1 }));
  for (let p = 0; p < predicted.length; p++) {
    for (const t of grid.search(pb[p])) {
      const iou = iouOf(flatIntersection(pf[p], tf[t]), pa[p], ta[t]);
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
