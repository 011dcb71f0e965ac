/**
 * Area of intersection and IoU of two polygons (outer ring + holes, flat rings [x0, y0, x1, y1, ...]) in
 * plain floating point, without building the intersection polygon.
 *
 * Each polygon's indicator is a signed sum of edge trapezoids down to a common baseline y0 (an edge going
 * left counts +1 on an outer ring oriented counter-clockwise, y up; holes run the other way). The
 * intersection's area is then Σ_a Σ_b s_a s_b ∫ (min(y_a(x), y_b(x)) − y0) dx over the common x-range of
 * each pair of edges: a piecewise-linear integral, exact up to rounding. Pairs whose x-ranges do not
 * overlap are skipped (edges sorted by x). Used by regularize's IoU check instead of an arbitrary-precision
 * clipper (polyclip-ts: ~3 ms per real building outline).
 */
import { polygonArea, signedArea } from './rings.js';

interface Edges {
  /** Per edge: xl, yl, xr, yr (left and right end), sign. */
  xl: Float64Array;
  yl: Float64Array;
  xr: Float64Array;
  yr: Float64Array;
  s: Int8Array;
  n: number;
}

function edgesOf(rings: ArrayLike<number>[], ox: number, oy: number): Edges {
  let total = 0;
  for (const r of rings) total += r.length / 2;
  const e: Edges = { xl: new Float64Array(total), yl: new Float64Array(total), xr: new Float64Array(total), yr: new Float64Array(total), s: new Int8Array(total), n: 0 };
  // Loops and a module-level comparator, no closures per call: V8 keeps a closure's optimized code only
  // while one of its closures lives, so per-call closures were compiled again after most collections.
  for (let k = 0; k < rings.length; k++) {
    const ring = rings[k];
    const n = ring.length / 2;
    if (n < 3) continue;
    // Outer counter-clockwise (positive area), holes clockwise; flip the sign of a ring that runs the other way.
    const ccw = signedArea(ring) > 0;
    const flip = (k === 0) !== ccw ? -1 : 1;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const x1 = ring[2 * i] - ox;
      const y1 = ring[2 * i + 1] - oy;
      const x2 = ring[2 * j] - ox;
      const y2 = ring[2 * j + 1] - oy;
      if (x1 === x2) continue; // a vertical edge bounds no trapezoid
      const m = e.n++;
      // Counter-clockwise, y up: the top of the polygon runs right to left (dx < 0) and counts +1.
      if (x1 < x2) {
        e.xl[m] = x1; e.yl[m] = y1; e.xr[m] = x2; e.yr[m] = y2; e.s[m] = -flip;
      } else {
        e.xl[m] = x2; e.yl[m] = y2; e.xr[m] = x1; e.yr[m] = y1; e.s[m] = flip;
      }
    }
  }
  return e;
}

/** ∫_l^r min(f, g) dx for two lines given by their values at l and r. */
function minIntegral(l: number, r: number, fl: number, fr: number, gl: number, gr: number): number {
  const dl = fl - gl;
  const dr = fr - gr;
  const w = r - l;
  if (dl <= 0 && dr <= 0) return (w * (fl + fr)) / 2;
  if (dl >= 0 && dr >= 0) return (w * (gl + gr)) / 2;
  const t = dl / (dl - dr);
  const ym = fl + t * (fr - fl);
  // Left of the crossing the lower line is f when dl < 0, else g; the other one right of it.
  const left = dl < 0 ? fl : gl;
  const right = dl < 0 ? gr : fr;
  return (t * w * (left + ym)) / 2 + ((1 - t) * w * (ym + right)) / 2;
}

/** The sort key of `order` (set just before its sort, which is synchronous). */
let sortKey: Float64Array<ArrayBufferLike> = new Float64Array(0);
const byKey = (a: number, b: number): number => sortKey[a] - sortKey[b];

function order(e: Edges): Uint32Array {
  const idx = new Uint32Array(e.n);
  for (let i = 0; i < e.n; i++) idx[i] = i;
  sortKey = e.xl;
  idx.sort(byKey);
  sortKey = new Float64Array(0);
  return idx;
}

/** Area of A ∩ B. */
export function intersectionArea(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  if (a.length === 0 || b.length === 0 || a[0].length < 6 || b[0].length < 6) return 0;
  // A local origin (A's first vertex) and a baseline below both polygons keep the numbers small.
  const ox = a[0][0];
  let oy = Infinity;
  for (const rs of [a, b]) for (const r of rs) for (let i = 1; i < r.length; i += 2) oy = Math.min(oy, r[i]);
  const ea = edgesOf(a, ox, oy);
  const eb = edgesOf(b, ox, oy);
  const ia = order(ea);
  const ib = order(eb);
  let sum = 0;
  let start = 0;
  for (let p = 0; p < ea.n; p++) {
    const i = ia[p];
    const axl = ea.xl[i];
    const axr = ea.xr[i];
    const slopeA = (ea.yr[i] - ea.yl[i]) / (axr - axl);
    // B's edges sorted by left end: skip those that end before this one starts only at the front.
    while (start < eb.n && eb.xr[ib[start]] <= axl && eb.xl[ib[start]] <= axl) start++;
    for (let q = start; q < eb.n; q++) {
      const j = ib[q];
      const bxl = eb.xl[j];
      if (bxl >= axr) break;
      const bxr = eb.xr[j];
      const l = Math.max(axl, bxl);
      const r = Math.min(axr, bxr);
      if (r <= l) continue;
      const slopeB = (eb.yr[j] - eb.yl[j]) / (bxr - bxl);
      const fl = ea.yl[i] + (l - axl) * slopeA;
      const fr = ea.yl[i] + (r - axl) * slopeA;
      const gl = eb.yl[j] + (l - bxl) * slopeB;
      const gr = eb.yl[j] + (r - bxl) * slopeB;
      sum += ea.s[i] * eb.s[j] * minIntegral(l, r, fl, fr, gl, gr);
    }
  }
  return Math.max(0, sum);
}

/** IoU of two polygons; their areas may be passed when already known. */
export function polygonIoU(a: ArrayLike<number>[], b: ArrayLike<number>[], areaA = polygonArea(a), areaB = polygonArea(b)): number {
  const i = intersectionArea(a, b);
  const u = areaA + areaB - i;
  return u > 0 ? Math.min(1, i / u) : 0;
}
