/**
 * Float intersection area / IoU (polygon-iou.ts) against hand-computed cases and against an independent
 * clipper (polyclip-ts, arbitrary precision) on the real SpaceNet Atlanta building outlines, moved,
 * rotated and regularized, with holes and either ring orientation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intersection } from 'polyclip-ts';
import { intersectionArea, polygonIoU } from './polygon-iou.js';
import { regularizePolygon } from './regularize.js';
import { polygonArea, reverseRing, signedArea, toPairs } from './rings.js';
import { readJson, sharedData } from '../testing/raster-fixtures.js';

const sq = (x: number, y: number, s: number): Float64Array => Float64Array.from([x, y, x + s, y, x + s, y + s, x, y + s]);

function clipperArea(a: Float64Array[], b: Float64Array[]): number {
  const inter = intersection(a.map(toPairs), b.map(toPairs));
  return inter.reduce((s, poly) => s + poly.reduce((t, ring, k) => t + (k === 0 ? 1 : -1) * Math.abs(signedArea(ring.flat().slice(0, -2))), 0), 0);
}

test('hand-computed cases: offset squares, containment, disjoint, a hole, either orientation', () => {
  assert.ok(Math.abs(polygonIoU([sq(0, 0, 1)], [sq(0.5, 0, 1)]) - 1 / 3) < 1e-12);
  assert.ok(Math.abs(intersectionArea([sq(0, 0, 2)], [sq(1, 1, 2)]) - 1) < 1e-12);
  assert.equal(polygonIoU([sq(0, 0, 1)], [sq(0, 0, 1)]), 1);
  assert.ok(Math.abs(polygonIoU([sq(0, 0, 4)], [sq(1, 1, 2)]) - 4 / 16) < 1e-12);
  assert.equal(intersectionArea([sq(0, 0, 1)], [sq(3, 3, 1)]), 0);
  // A 4×4 square with a 2×2 hole against a square covering the hole and 2 m² of ring: 2.
  const holed = [sq(0, 0, 4), reverseRing(sq(1, 1, 2))];
  assert.ok(Math.abs(intersectionArea(holed, [sq(1, 1, 2)])) < 1e-12);
  assert.ok(Math.abs(intersectionArea(holed, [Float64Array.from([0, 1, 3, 1, 3, 2, 0, 2])]) - 1) < 1e-12);
  // Orientation does not matter (a clockwise outer ring, a counter-clockwise hole).
  assert.ok(Math.abs(intersectionArea([reverseRing(sq(0, 0, 4)), sq(1, 1, 2)], [sq(0, 0, 2)]) - 3) < 1e-12);
  // A triangle against squares: the unit square lies inside it (1); the 2×2 square is cut by its hypotenuse (2).
  assert.ok(Math.abs(intersectionArea([Float64Array.from([0, 0, 2, 0, 0, 2])], [sq(0, 0, 1)]) - 1) < 1e-12);
  assert.ok(Math.abs(intersectionArea([Float64Array.from([0, 0, 2, 0, 0, 2])], [sq(0, 0, 2)]) - 2) < 1e-12);
});

test('real building outlines (SpaceNet Atlanta): same intersection area as an arbitrary-precision clipper', () => {
  const fc = readJson(sharedData('geotiff/spacenet-atlanta/geotiff_labels.geojson'));
  let n = 0;
  for (const f of fc.features) {
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const p of polys) {
      // Local coordinates (UTM metres minus the first vertex): the shoelace on raw UTM numbers (x·y ≈ 3e12)
      // would lose ~1e-3 m² to rounding, in the oracle as anywhere else.
      const [x0, y0] = (p as number[][][])[0][0];
      const rings = (p as number[][][]).map((r) => Float64Array.from(r.slice(0, -1).flatMap(([x, y]) => [x - x0, y - y0])));
      const moved = rings.map((r) => r.map((v, i) => v + (i % 2 ? -0.7 : 0.4)));
      const c = rings[0].reduce((s, v, i) => (i % 2 ? s : s + v), 0) / (rings[0].length / 2);
      const cy = rings[0].reduce((s, v, i) => (i % 2 ? s + v : s), 0) / (rings[0].length / 2);
      const rot = rings.map((r) => r.map((v, i) => {
        const x = r[i - (i % 2)] - c;
        const y = r[i - (i % 2) + 1] - cy;
        return i % 2 ? cy + x * Math.sin(0.2) + y * Math.cos(0.2) : c + x * Math.cos(0.2) - y * Math.sin(0.2);
      }));
      const reg = regularizePolygon(rings, { tolerance: 0.5 }).rings;
      for (const other of [moved, rot, reg]) {
        const want = clipperArea(rings, other);
        const got = intersectionArea(rings, other);
        assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, polygonArea(rings)), `feature ${n}: ${got} vs ${want}`);
      }
      n++;
    }
  }
  assert.ok(n >= 40, `${n} outlines`);
});
