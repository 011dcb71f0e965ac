/**
 * Geometry kernels of shared-wall regularization (vectorize/shared-walls): a chain's runs along the
 * two axes of a frame, the checks a regularized partition must pass (right angles, no crossing
 * chains) and the IoU of a result with its traced outline. Pure functions on flat arrays.
 */
import simplifyJs from 'simplify-js';
import { polygonIoU } from './polygon-iou.js';
import { simplifyRing } from './simplify.js';

/** A straight run of a chain in a frame: parallel to u (axis 0, value = v) or to v (axis 1, value = u). */
export interface Run {
  axis: 0 | 1;
  /** Σ length · coordinate. */
  sum: number;
  len: number;
}

/** Frame rotation: u along the angle, v across it. */
export const toFrame = (x: number, y: number, cos: number, sin: number): [number, number] => [x * cos + y * sin, -x * sin + y * cos];
export const fromFrame = (u: number, v: number, cos: number, sin: number): [number, number] => [u * cos - v * sin, u * sin + v * cos];

/** Douglas–Peucker of an open polyline with both ends kept. */
export function simplifyOpen(points: ArrayLike<number>, tolerance: number): Float64Array {
  const n = points.length / 2;
  if (!(tolerance > 0) || n <= 2) return Float64Array.from(points);
  const pts: { x: number; y: number }[] = [];
  for (let i = 0; i < n; i++) pts.push({ x: points[2 * i], y: points[2 * i + 1] });
  const out = simplifyJs(pts, tolerance, true);
  const flat = new Float64Array(out.length * 2);
  out.forEach((p, i) => {
    flat[2 * i] = p.x;
    flat[2 * i + 1] = p.y;
  });
  return flat;
}

/** Consecutive runs on one axis merged into one (length-weighted); `cyclic`: also the last into the first. */
export function mergeSame(rs: Run[], cyclic: boolean): Run[] {
  const out: Run[] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && last.axis === r.axis) {
      last.sum += r.sum;
      last.len += r.len;
    } else out.push({ ...r });
  }
  while (cyclic && out.length > 1 && out[0].axis === out[out.length - 1].axis) {
    const last = out.pop()!;
    out[0].sum += last.sum;
    out[0].len += last.len;
  }
  return out;
}

/**
 * The runs of a chain (work coordinates) in the frame of `angle`: Douglas–Peucker at `tolerance`, each
 * segment snapped to the nearer axis, consecutive runs on one axis merged (length-weighted position),
 * runs shorter than `minSide` absorbed while more than `keep` remain. Null for a loop that cannot keep
 * four sides.
 */
export function chainRuns(points: ArrayLike<number>, loop: boolean, angle: number, tolerance: number, minSide: number): Run[] | null {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const simple = loop ? simplifyRing(points, tolerance) : simplifyOpen(points, tolerance);
  const n = simple.length / 2;
  const uv = new Float64Array(simple.length);
  for (let i = 0; i < n; i++) {
    const [u, v] = toFrame(simple[2 * i], simple[2 * i + 1], cos, sin);
    uv[2 * i] = u;
    uv[2 * i + 1] = v;
  }
  let runs: Run[] = [];
  const segs = loop ? n : n - 1;
  for (let i = 0; i < segs; i++) {
    const j = (i + 1) % n;
    const du = uv[2 * j] - uv[2 * i];
    const dv = uv[2 * j + 1] - uv[2 * i + 1];
    const len = Math.hypot(du, dv);
    if (len === 0) continue;
    const axis: 0 | 1 = Math.abs(du) >= Math.abs(dv) ? 0 : 1;
    const mid = axis === 0 ? (uv[2 * i + 1] + uv[2 * j + 1]) / 2 : (uv[2 * i] + uv[2 * j]) / 2;
    runs.push({ axis, sum: mid * len, len });
  }
  runs = mergeSame(runs, loop);
  const keep = loop ? 4 : 1;
  for (;;) {
    if (runs.length <= keep) break;
    let k = -1;
    for (let i = 0; i < runs.length; i++) if (runs[i].len < minSide && (k < 0 || runs[i].len < runs[k].len)) k = i;
    if (k < 0) break;
    runs.splice(k, 1);
    runs = mergeSame(runs, loop);
  }
  if (runs.length === 0) return null;
  if (loop && (runs.length < 4 || runs.length % 2 !== 0)) return null;
  return runs;
}

/** Whether every corner of a ring (flat, no closing point, no repeated points) is 90° or straight. */
export function rightAngled(ring: ArrayLike<number>): boolean {
  const n = ring.length / 2;
  if (n < 4) return false;
  for (let i = 0; i < n; i++) {
    const a = (i + n - 1) % n;
    const b = (i + 1) % n;
    const e1x = ring[2 * i] - ring[2 * a], e1y = ring[2 * i + 1] - ring[2 * a + 1];
    const e2x = ring[2 * b] - ring[2 * i], e2y = ring[2 * b + 1] - ring[2 * i + 1];
    const l = Math.hypot(e1x, e1y) * Math.hypot(e2x, e2y);
    if (l === 0) return false;
    const c = (e1x * e2x + e1y * e2y) / l;
    const s = (e1x * e2y - e1y * e2x) / l;
    if (!(Math.abs(c) < 1e-7 || (Math.abs(s) < 1e-7 && c > 0))) return false;
  }
  return true;
}

/** Drops consecutive repeated points (and a last point equal to the first). */
export function dedupeRing(ring: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  const n = ring.length / 2;
  for (let i = 0; i < n; i++) {
    const x = ring[2 * i], y = ring[2 * i + 1];
    const k = out.length;
    if (k && out[k - 2] === x && out[k - 1] === y) continue;
    out.push(x, y);
  }
  while (out.length > 2 && out[0] === out[out.length - 2] && out[1] === out[out.length - 1]) out.length -= 2;
  return Float64Array.from(out);
}

interface Seg {
  chain: number;
  x0: number; y0: number; x1: number; y1: number;
}

/**
 * Pairs of chains (polylines in one plane) that cross or overlap each other, or themselves, anywhere
 * but at shared end points: a valid planar partition has none. `eps` is a distance in the polylines'
 * units below which a point counts as on a line.
 */
export function crossingChains(polylines: (ArrayLike<number> | null)[], loops: boolean[], eps: number): [number, number][] {
  const segs: Seg[] = [];
  polylines.forEach((p, chain) => {
    if (!p) return;
    const n = p.length / 2;
    const m = loops[chain] ? n : n - 1;
    for (let i = 0; i < m; i++) {
      const j = (i + 1) % n;
      if (p[2 * i] === p[2 * j] && p[2 * i + 1] === p[2 * j + 1]) continue;
      segs.push({ chain, x0: p[2 * i], y0: p[2 * i + 1], x1: p[2 * j], y1: p[2 * j + 1] });
    }
  });
  const minx = (s: Seg): number => Math.min(s.x0, s.x1);
  segs.sort((a, b) => minx(a) - minx(b));
  const out: [number, number][] = [];
  const seen = new Set<string>();
  for (let i = 0; i < segs.length; i++) {
    const a = segs[i];
    const ax1 = Math.max(a.x0, a.x1);
    const ay0 = Math.min(a.y0, a.y1), ay1 = Math.max(a.y0, a.y1);
    for (let j = i + 1; j < segs.length && minx(segs[j]) <= ax1 + eps; j++) {
      const b = segs[j];
      if (Math.max(b.y0, b.y1) < ay0 - eps || Math.min(b.y0, b.y1) > ay1 + eps) continue;
      if (!segmentsConflict(a, b, eps)) continue;
      const key = a.chain < b.chain ? `${a.chain},${b.chain}` : `${b.chain},${a.chain}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push([a.chain, b.chain]);
    }
  }
  return out;
}

function segmentsConflict(a: Seg, b: Seg, eps: number): boolean {
  const la = Math.hypot(a.x1 - a.x0, a.y1 - a.y0);
  const lb = Math.hypot(b.x1 - b.x0, b.y1 - b.y0);
  // Signed distances of each end point from the other segment's line.
  const da0 = ((a.x1 - a.x0) * (b.y0 - a.y0) - (a.y1 - a.y0) * (b.x0 - a.x0)) / la;
  const da1 = ((a.x1 - a.x0) * (b.y1 - a.y0) - (a.y1 - a.y0) * (b.x1 - a.x0)) / la;
  const db0 = ((b.x1 - b.x0) * (a.y0 - b.y0) - (b.y1 - b.y0) * (a.x0 - b.x0)) / lb;
  const db1 = ((b.x1 - b.x0) * (a.y1 - b.y0) - (b.y1 - b.y0) * (a.x1 - b.x0)) / lb;
  const eq = (x0: number, y0: number, x1: number, y1: number): boolean => x0 === x1 && y0 === y1;
  let shared: [number, number, number, number, number, number] | null = null; // shared point, other end of a, other end of b
  if (eq(a.x0, a.y0, b.x0, b.y0)) shared = [a.x0, a.y0, a.x1, a.y1, b.x1, b.y1];
  else if (eq(a.x0, a.y0, b.x1, b.y1)) shared = [a.x0, a.y0, a.x1, a.y1, b.x0, b.y0];
  else if (eq(a.x1, a.y1, b.x0, b.y0)) shared = [a.x1, a.y1, a.x0, a.y0, b.x1, b.y1];
  else if (eq(a.x1, a.y1, b.x1, b.y1)) shared = [a.x1, a.y1, a.x0, a.y0, b.x0, b.y0];
  if (shared) {
    const [sx, sy, ax, ay, bx, by] = shared;
    if (eq(ax, ay, bx, by)) return true; // the same segment twice
    // Conflict only when they fold onto each other (collinear, same direction from the shared point).
    const ux = ax - sx, uy = ay - sy, vx = bx - sx, vy = by - sy;
    const cross = (ux * vy - uy * vx) / Math.max(Math.hypot(ux, uy), Math.hypot(vx, vy));
    return Math.abs(cross) < eps && ux * vx + uy * vy > 0;
  }
  const sgn = (d: number): number => (d > eps ? 1 : d < -eps ? -1 : 0);
  const s0 = sgn(da0), s1 = sgn(da1), t0 = sgn(db0), t1 = sgn(db1);
  if (s0 * s1 > 0 || t0 * t1 > 0) return false;
  if (s0 === 0 && s1 === 0) {
    // Collinear: overlapping intervals along a?
    const ux = (a.x1 - a.x0) / la, uy = (a.y1 - a.y0) / la;
    const p0 = (b.x0 - a.x0) * ux + (b.y0 - a.y0) * uy;
    const p1 = (b.x1 - a.x0) * ux + (b.y1 - a.y0) * uy;
    return Math.max(p0, p1) > eps && Math.min(p0, p1) < la - eps;
  }
  return true;
}

/** |A ∩ B| / (|A| + |B| − |A ∩ B|) for polygons (outer ring + holes) with known areas (float clipper). */
export function polygonsIoU(a: Float64Array[], b: Float64Array[], areaA: number, areaB: number): number {
  return polygonIoU(a, b, areaA, areaB);
}
