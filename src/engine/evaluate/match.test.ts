/**
 * evaluate's float IoU and candidate grid against outside references: polyclip-ts (an arbitrary-precision
 * clipper, not used by the code under test) on MultiPolygons with holes, far from the origin (UTM-sized
 * coordinates), touching and disjoint parts; the grid against a brute-force box test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intersection } from 'polyclip-ts';
import type { Geom } from 'polyclip-ts';
import { shapeArea, shapeIoU, matchShapes } from './match.js';
import type { Shape } from './match.js';
import { BoxGrid } from './box-grid.js';
import type { Box } from './box-grid.js';

const X0 = 733601, Y0 = 3724689;
const rect = (x: number, y: number, w: number, h: number): number[][] => [[X0 + x, Y0 + y], [X0 + x + w, Y0 + y], [X0 + x + w, Y0 + y + h], [X0 + x, Y0 + y + h], [X0 + x, Y0 + y]];
const cw = (r: number[][]): number[][] => [...r].reverse();

/** IoU by polyclip-ts, shifted to a local origin (the reference). */
function refIoU(a: Shape, b: Shape): number {
  const shift = (s: Shape): Geom => s.map((p) => p.map((r) => r.map(([x, y]) => [x - X0, y - Y0] as [number, number]))) as Geom;
  const i = shapeArea(intersection(shift(a), shift(b)) as unknown as Shape);
  return i / (shapeArea(a) + shapeArea(b) - i);
}

test('shapeIoU equals polyclip-ts on MultiPolygons with holes, either ring orientation, touching and disjoint parts', () => {
  let seed = 3;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const cases: [string, Shape, Shape][] = [
    ['same square', [[rect(0, 0, 10, 10)]], [[rect(0, 0, 10, 10)]]],
    ['half overlap', [[rect(0, 0, 10, 10)]], [[rect(5, 0, 10, 10)]]],
    ['touching only', [[rect(0, 0, 10, 10)]], [[rect(10, 0, 10, 10)]]],
    ['hole under the other', [[rect(0, 0, 20, 20), cw(rect(5, 5, 10, 10))]], [[rect(4, 4, 12, 12)]]],
    ['hole, clockwise outer, ccw hole', [[cw(rect(0, 0, 20, 20)), rect(5, 5, 10, 10)]], [[rect(4, 4, 12, 12)]]],
    ['two parts vs one across both', [[rect(0, 0, 10, 10)], [rect(20, 0, 10, 10)]], [[rect(5, 2, 20, 6)]]],
    ['two parts vs two parts, one with a hole', [[rect(0, 0, 10, 10)], [rect(20, 0, 10, 10), cw(rect(22, 2, 3, 3))]], [[rect(3, 3, 10, 10)], [rect(21, 1, 10, 5)]]],
    ['part inside the other shape\'s hole', [[rect(0, 0, 30, 30), cw(rect(10, 10, 10, 10))], [rect(12, 12, 6, 6)]], [[rect(11, 11, 8, 8)]]],
  ];
  // Random rotated quadrilaterals with a staircase side (traced outlines) against offset copies.
  for (let k = 0; k < 20; k++) {
    const cx = rnd() * 50, cy = rnd() * 50, s = 5 + rnd() * 10, t = rnd() * Math.PI;
    const ring: number[][] = [];
    for (let i = 0; i < 8; i++) {
      const r = i % 2 ? s : s * 0.7;
      ring.push([X0 + cx + r * Math.cos(t + (i * Math.PI) / 4), Y0 + cy + r * Math.sin(t + (i * Math.PI) / 4)]);
    }
    ring.push(ring[0]);
    const moved = ring.map(([x, y]) => [x + rnd() * 4 - 2, y + rnd() * 4 - 2]);
    moved[moved.length - 1] = moved[0];
    cases.push([`random ${k}`, [[ring]], [[moved], [rect(cx + 40, cy, 3, 3)]]]);
  }
  for (const [name, a, b] of cases) {
    const ours = shapeIoU(a, b);
    const ref = refIoU(a, b);
    assert.ok(Math.abs(ours - ref) < 1e-9, `${name}: ${ours} vs polyclip-ts ${ref}`);
    assert.ok(Math.abs(shapeIoU(b, a) - ref) < 1e-9, `${name} (swapped)`);
  }
  assert.equal(shapeIoU([[rect(0, 0, 10, 10)]], [[rect(10, 0, 10, 10)]]), 0);
  assert.equal(shapeIoU([[rect(0, 0, 10, 10)]], [[rect(0, 0, 10, 10)]]), 1);
});

test('BoxGrid finds exactly the boxes a brute-force test finds (touching included), ascending; matchShapes uses it', () => {
  let seed = 11;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const boxes: Box[] = [];
  for (let i = 0; i < 3000; i++) {
    const x = rnd() * 5000, y = rnd() * 5000, w = rnd() < 0.01 ? rnd() * 2000 : 5 + rnd() * 30, h = 5 + rnd() * 30;
    boxes.push([x, y, x + w, y + h]);
  }
  boxes.push([100, 100, 100, 100]); // a point
  boxes.push([NaN, 0, 1, 1]); // never found
  const grid = new BoxGrid(boxes);
  for (let k = 0; k < 500; k++) {
    const x = rnd() * 5200 - 100, y = rnd() * 5200 - 100, w = k === 0 ? 6000 : rnd() * 60;
    const q: Box = [x, y, x + w, y + w];
    const brute = boxes.map((b, i) => (b[0] <= q[2] && q[0] <= b[2] && b[1] <= q[3] && q[1] <= b[3] ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(grid.search(q), brute);
  }
  assert.deepEqual(grid.search([100, 100, 100, 100]).includes(boxes.length - 2), true);
  assert.deepEqual(new BoxGrid([]).search([0, 0, 1, 1]), []);
  // A grid of 40 × 40 buildings against copies shifted by a third of their side: every pair found.
  const truth: Shape[] = [];
  const pred: Shape[] = [];
  for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) {
    truth.push([[rect(i * 20, j * 20, 12, 12)]]);
    pred.push([[rect(i * 20 + 2, j * 20, 12, 12)]]);
  }
  const m = matchShapes(pred, truth, { iou: 0.5 });
  assert.equal(m.tp, 1600);
  assert.ok(Math.abs((m.meanIoU ?? 0) - 120 / 168) < 1e-12);
  assert.ok(m.matches.every((x) => x.predicted === x.truth));
});
