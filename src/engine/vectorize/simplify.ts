/**
 * Ring simplification (Douglas–Peucker through simplify-js) on flat rings, tolerance in the ring's own
 * units (the caller passes map units). A ring that would collapse below 3 vertices is returned unchanged.
 */
import simplifyJs from 'simplify-js';

export function simplifyRing(ring: ArrayLike<number>, tolerance: number): Float64Array {
  const n = ring.length / 2;
  if (!(tolerance > 0) || n <= 4) return Float64Array.from(ring);
  // Start at the vertex farthest from the first one so the fixed end points are real corners.
  const pts: { x: number; y: number }[] = [];
  for (let i = 0; i < n; i++) pts.push({ x: ring[2 * i], y: ring[2 * i + 1] });
  let far = 0;
  let best = -1;
  for (let i = 0; i < n; i++) {
    const d = (pts[i].x - pts[0].x) ** 2 + (pts[i].y - pts[0].y) ** 2;
    if (d > best) {
      best = d;
      far = i;
    }
  }
  // Two halves (0 → far, far → 0) so both fixed points survive and the ring stays closed.
  const a = simplifyJs(pts.slice(0, far + 1), tolerance, true);
  const b = simplifyJs([...pts.slice(far), pts[0]], tolerance, true);
  const out = [...a, ...b.slice(1, -1)];
  if (out.length < 3) return Float64Array.from(ring);
  const flat = new Float64Array(out.length * 2);
  out.forEach((p, i) => {
    flat[2 * i] = p.x;
    flat[2 * i + 1] = p.y;
  });
  return flat;
}
