/**
 * Building regularization: right-angled outlines aligned to a building's dominant orientation.
 * Works in a projected (metric) frame. Steps: Douglas–Peucker (removes the pixel staircase), dominant
 * orientation from the edges (length-weighted mean of 4θ, so 0/90/180/270° fold together), every edge
 * snapped to the building's two axes, consecutive edges on one axis merged into one line (length-weighted
 * position), short jogs absorbed, corners at the axis-line intersections. The result is accepted only when
 * it keeps the area within `maxAreaChange` and IoU ≥ `minIoU` with the input; otherwise the simplified
 * outline is returned (`regularized: false`).
 */
import { simplifyRing } from './simplify.js';
import { polygonIoU } from './polygon-iou.js';
import { polygonArea, signedArea } from './rings.js';
import { mergeSame } from './wall-geometry.js';
import type { Run } from './wall-geometry.js';

export interface RegularizeOptions {
  /** Douglas–Peucker tolerance before snapping, in ring units (e.g. ~1.5 pixel sides). Required > 0. */
  tolerance: number;
  /** Jogs shorter than this (ring units) are absorbed. Default 2 × tolerance. */
  minSide?: number;
  /** Max |area change| / area. Default 0.1. */
  maxAreaChange?: number;
  /** Min IoU with the input polygon. Default 0.85. */
  minIoU?: number;
  /** The outer ring is a traced outline (touches itself at most at vertices, never crosses): the dominant angle's hull skips its reflex corners. */
  outline?: boolean;
}

export interface Regularized {
  rings: Float64Array[];
  regularized: boolean;
  /** Dominant orientation in radians, in [-π/4, π/4). */
  angle: number;
  iou: number;
  areaChange: number;
}

// Grow-only scratch for the hull's candidate points (hundreds of outlines per tile: no garbage per call).
let hx = new Float64Array(0);
let hy = new Float64Array(0);
let stack = new Int32Array(0);
// Module-level (not made per call, so V8 keeps their optimized code: util/gc-tuning.ts): the hull's
// sort order (x, then y) and cross(o, p, q) > 0 for a left turn o → p → q, on the points in hx / hy.
const byHullX = (p: number, q: number): number => hx[p] - hx[q] || hy[p] - hy[q];
const hullCross = (o: number, p: number, q: number): number => (hx[p] - hx[o]) * (hy[q] - hy[o]) - (hy[p] - hy[o]) * (hx[q] - hx[o]);

/**
 * Convex hull (Andrew's monotone chain) of a flat ring, as a flat [x0, y0, x1, y1, …] counter-clockwise.
 * Points strictly inside the quadrilateral of the four extreme points cannot be on the hull and are
 * dropped before the sort (Akl–Toussaint): the same hull, for a fraction of the sorting on a traced outline.
 * `outline`: the ring is a polygon's boundary that does not cross itself (it may touch itself at a vertex,
 * as a traced outline does), so its strictly reflex corners cannot be hull vertices either (at a hull
 * vertex the polygon lies on one side of a supporting line, so its interior angle there is < 180°) and
 * are dropped too: half of a pixel staircase's corners.
 */
function convexHull(ring: ArrayLike<number>, outline = false): Float64Array {
  const n = ring.length / 2;
  // The ring's orientation: a reflex corner turns against it. 0: keep every corner.
  const turn = outline && n >= 4 ? Math.sign(signedArea(ring)) : 0;
  // Extreme points: min x, max y, max x, min y (counter-clockwise in x right / y up).
  let a = 0, b = 0, c = 0, d = 0;
  for (let i = 1; i < n; i++) {
    const x = ring[2 * i], y = ring[2 * i + 1];
    if (x < ring[2 * a]) a = i;
    if (y > ring[2 * b + 1]) b = i;
    if (x > ring[2 * c]) c = i;
    if (y < ring[2 * d + 1]) d = i;
  }
  // The quad a → d → c → b; inside when strictly left of each of its edges (x right, y up). A
  // degenerate quad (repeated corners, area ≤ 0) keeps every point.
  const x0 = ring[2 * a], y0 = ring[2 * a + 1], x1 = ring[2 * d], y1 = ring[2 * d + 1];
  const x2 = ring[2 * c], y2 = ring[2 * c + 1], x3 = ring[2 * b], y3 = ring[2 * b + 1];
  const area2 = ((x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0)) + ((x2 - x0) * (y3 - y0) - (y2 - y0) * (x3 - x0));
  if (hx.length < n) {
    hx = new Float64Array(2 * n);
    hy = new Float64Array(2 * n);
    stack = new Int32Array(4 * n);
  }
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = ring[2 * i], y = ring[2 * i + 1];
    if (turn !== 0) {
      const p = i === 0 ? n - 1 : i - 1, q = i === n - 1 ? 0 : i + 1;
      const cross = (x - ring[2 * p]) * (ring[2 * q + 1] - y) - (y - ring[2 * p + 1]) * (ring[2 * q] - x);
      if (turn * cross < 0) continue;
    }
    if (
      area2 > 0 &&
      (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0) > 0 &&
      (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) > 0 &&
      (x3 - x2) * (y - y2) - (y3 - y2) * (x - x2) > 0 &&
      (x0 - x3) * (y - y3) - (y0 - y3) * (x - x3) > 0
    ) continue;
    hx[m] = x;
    hy[m] = y;
    m++;
  }
  const order: number[] = new Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  order.sort(byHullX);
  if (m < 3) {
    const out = new Float64Array(2 * m);
    for (let i = 0; i < m; i++) { out[2 * i] = hx[order[i]]; out[2 * i + 1] = hy[order[i]]; }
    return out;
  }
  // Lower hull in stack[0 … lo), upper hull in stack[m …): indices into hx / hy (each chain ≤ m long).
  let lo = 0;
  for (let k = 0; k < m; k++) {
    const p = order[k];
    while (lo >= 2 && hullCross(stack[lo - 2], stack[lo - 1], p) <= 0) lo--;
    stack[lo++] = p;
  }
  const U = m;
  let up = U;
  for (let k = m - 1; k >= 0; k--) {
    const p = order[k];
    while (up >= U + 2 && hullCross(stack[up - 2], stack[up - 1], p) <= 0) up--;
    stack[up++] = p;
  }
  // Each chain without its last point (the other chain's first).
  const h = lo - 1 + (up - U - 1);
  const out = new Float64Array(2 * h);
  let o = 0;
  for (let k = 0; k < lo - 1; k++, o += 2) { out[o] = hx[stack[k]]; out[o + 1] = hy[stack[k]]; }
  for (let k = U; k < up - 1; k++, o += 2) { out[o] = hx[stack[k]]; out[o + 1] = hy[stack[k]]; }
  return out;
}

/**
 * Dominant orientation (radians, in [-π/4, π/4)) of a building outline: the orientation of its
 * minimum-area bounding rectangle (rotating calipers over the convex hull edges). Robust to the pixel
 * staircase and to cut corners, unlike an average of edge directions.
 */
export function dominantAngle(ring: ArrayLike<number>, outline = false): number {
  const hull = convexHull(ring, outline);
  const h = hull.length / 2;
  let best = Infinity;
  let angle = 0;
  for (let i = 0; i < h; i++) {
    const j = (i + 1) % h;
    const x0 = hull[2 * i], y0 = hull[2 * i + 1];
    const x1 = hull[2 * j], y1 = hull[2 * j + 1];
    const t = Math.atan2(y1 - y0, x1 - x0);
    const c = Math.cos(t);
    const s = Math.sin(t);
    let umin = Infinity, umax = -Infinity, vmin = Infinity, vmax = -Infinity;
    for (let k = 0; k < h; k++) {
      const x = hull[2 * k], y = hull[2 * k + 1];
      const u = x * c + y * s;
      const v = -x * s + y * c;
      if (u < umin) umin = u;
      if (u > umax) umax = u;
      if (v < vmin) vmin = v;
      if (v > vmax) vmax = v;
    }
    const area = (umax - umin) * (vmax - vmin);
    if (area < best - 1e-9) {
      best = area;
      angle = t;
    }
  }
  // Fold to [-π/4, π/4).
  const q = Math.PI / 2;
  return angle - q * Math.round(angle / q);
}

function snapRing(ring: Float64Array, angle: number, minSide: number): Float64Array | null {
  const n = ring.length / 2;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Rotate into the building frame (u along the dominant axis).
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    u[i] = ring[2 * i] * cos + ring[2 * i + 1] * sin;
    v[i] = -ring[2 * i] * sin + ring[2 * i + 1] * cos;
  }
  let runs: Run[] = [];
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const du = u[j] - u[i];
    const dv = v[j] - v[i];
    const len = Math.hypot(du, dv);
    if (len === 0) continue;
    const axis: 0 | 1 = Math.abs(du) >= Math.abs(dv) ? 0 : 1;
    const mid = axis === 0 ? (v[i] + v[j]) / 2 : (u[i] + u[j]) / 2;
    runs.push({ axis, sum: mid * len, len });
  }
  runs = mergeSame(runs, true);
  // Absorb short jogs: drop the shortest run under minSide, re-merge its neighbours; repeat.
  for (;;) {
    if (runs.length <= 4) break;
    let k = -1;
    for (let i = 0; i < runs.length; i++) if (runs[i].len < minSide && (k < 0 || runs[i].len < runs[k].len)) k = i;
    if (k < 0) break;
    runs.splice(k, 1);
    runs = mergeSame(runs, true);
  }
  if (runs.length < 4 || runs.length % 2 !== 0) return null;
  const out = new Float64Array(runs.length * 2);
  for (let i = 0; i < runs.length; i++) {
    const a = runs[i];
    const b = runs[(i + 1) % runs.length];
    const pu = a.axis === 1 ? a.sum / a.len : b.sum / b.len;
    const pv = a.axis === 0 ? a.sum / a.len : b.sum / b.len;
    out[2 * i] = pu * cos - pv * sin;
    out[2 * i + 1] = pu * sin + pv * cos;
  }
  return out;
}

/** Regularizes a polygon (outer ring + holes) in a metric frame. */
export function regularizePolygon(rings: Float64Array[], options: RegularizeOptions): Regularized {
  const tol = options.tolerance;
  if (!(tol > 0)) throw new RangeError(`tolerance: got ${tol}, expected > 0`);
  const minSide = options.minSide ?? 2 * tol;
  const maxAreaChange = options.maxAreaChange ?? 0.1;
  const minIoU = options.minIoU ?? 0.85;
  const simplified = rings.map((r) => simplifyRing(r, tol));
  const angle = dominantAngle(rings[0], options.outline === true);
  const fallback = (iou: number, areaChange: number): Regularized => ({ rings: simplified, regularized: false, angle, iou, areaChange });
  const snapped: Float64Array[] = [];
  for (let k = 0; k < simplified.length; k++) {
    const s = snapRing(simplified[k], angle, minSide);
    if (s) snapped.push(s);
    else if (k === 0) return fallback(0, 0);
    // A hole too small to keep four sides is dropped.
  }
  const a0 = polygonArea(rings);
  const a1 = polygonArea(snapped);
  const areaChange = a0 > 0 ? Math.abs(a1 - a0) / a0 : 1;
  const iou = polygonIoU(rings, snapped, a0, a1);
  if (areaChange >= maxAreaChange || iou < minIoU) return fallback(iou, areaChange);
  return { rings: snapped, regularized: true, angle, iou, areaChange };
}
