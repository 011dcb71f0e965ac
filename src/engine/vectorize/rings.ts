/** Small pure helpers on flat rings [x0, y0, x1, y1, ...] (no closing point). */

/** Shoelace area, positive when counter-clockwise in a y-up frame (clockwise on a y-down screen). */
export function signedArea(ring: ArrayLike<number>): number {
  let s = 0;
  const n = ring.length;
  for (let i = 0; i < n; i += 2) {
    const j = (i + 2) % n;
    s += ring[i] * ring[j + 1] - ring[j] * ring[i + 1];
  }
  return s / 2;
}

/** Area of a polygon (outer minus holes), in squared ring units. */
export function polygonArea(rings: ArrayLike<number>[]): number {
  if (rings.length === 0) return 0;
  let a = Math.abs(signedArea(rings[0]));
  for (let k = 1; k < rings.length; k++) a -= Math.abs(signedArea(rings[k]));
  return a;
}

export function reverseRing(ring: ArrayLike<number>): Float64Array {
  const n = ring.length / 2;
  const out = new Float64Array(ring.length);
  for (let i = 0; i < n; i++) {
    out[2 * i] = ring[2 * (n - 1 - i)];
    out[2 * i + 1] = ring[2 * (n - 1 - i) + 1];
  }
  return out;
}

/** Orients rings: outer counter-clockwise and holes clockwise in a y-up frame (RFC 7946 right-hand rule). */
export function orientRightHand(rings: Float64Array[]): Float64Array[] {
  return rings.map((r, k) => {
    const ccw = signedArea(r) > 0;
    return (k === 0) === ccw ? r : reverseRing(r);
  });
}

/** Flat ring → closed GeoJSON position list, rounded to `decimals`. */
export function toPositions(ring: ArrayLike<number>, decimals: number): number[][] {
  const f = 10 ** decimals;
  const out: number[][] = [];
  for (let i = 0; i < ring.length; i += 2) out.push([Math.round(ring[i] * f) / f, Math.round(ring[i + 1] * f) / f]);
  if (out.length) out.push([out[0][0], out[0][1]]);
  return out;
}

/** Flat ring → open [x, y][] (polyclip-ts input). */
export function toPairs(ring: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < ring.length; i += 2) out.push([ring[i], ring[i + 1]]);
  if (out.length) out.push([out[0][0], out[0][1]]);
  return out;
}
