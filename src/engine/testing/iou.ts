/**
 * Polygon IoU and one-to-one matching for tests, computed with polyclip-ts (a kept library), never with
 * the code under test.
 */
import { intersection, union } from 'polyclip-ts';

type Pos = number[];
export type PolyCoords = Pos[][]; // GeoJSON Polygon coordinates
type Geom = { type: string; coordinates: any };

function polys(g: Geom): PolyCoords[] {
  return g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
}

function ringArea(r: Pos[]): number {
  let s = 0;
  for (let i = 0; i + 1 < r.length; i++) s += r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1];
  return Math.abs(s) / 2;
}

export function multiArea(mp: PolyCoords[]): number {
  return mp.reduce((s, p) => s + p.reduce((t, r, k) => t + (k === 0 ? 1 : -1) * ringArea(r), 0), 0);
}

export function geomArea(g: Geom): number {
  return multiArea(polys(g));
}

export function bbox(g: Geom): [number, number, number, number] {
  let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
  for (const p of polys(g)) for (const [x, y] of p[0]) {
    a = Math.min(a, x); b = Math.min(b, y); c = Math.max(c, x); d = Math.max(d, y);
  }
  return [a, b, c, d];
}

/** IoU of two (Multi)Polygon geometries. Coordinates are shifted to a local origin for precision. */
export function iou(a: Geom, b: Geom): number {
  const [ox, oy] = bbox(a);
  const shift = (g: Geom): any => polys(g).map((p) => p.map((r) => r.map(([x, y]) => [x - ox, y - oy])));
  const pa = shift(a);
  const pb = shift(b);
  const i = multiArea(intersection(pa, pb) as any);
  if (i === 0) return 0;
  const u = multiArea(union(pa, pb) as any);
  return u > 0 ? i / u : 0;
}

function overlaps(p: number[], q: number[]): boolean {
  return p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3];
}

/** For each reference geometry, the best IoU among candidates (bbox-prefiltered). */
export function bestMatches(reference: Geom[], candidates: Geom[]): number[] {
  const cb = candidates.map(bbox);
  return reference.map((r) => {
    const rb = bbox(r);
    let best = 0;
    candidates.forEach((c, k) => {
      if (overlaps(rb, cb[k])) best = Math.max(best, iou(r, c));
    });
    return best;
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
