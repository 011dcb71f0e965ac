import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMaskIndex } from './mask-index.js';
import { selectByPoints } from './points.js';
import { detection, rectMask, asciiMask, segmentResult } from '../testing/fixture-masks.js';
import { EngineError } from '../errors.js';

// A 100×80 tile (hand-drawn; expected selections and areas computed by hand):
//   0 A: block [10,60)×[10,50), area 2000       1 B: nested in A, [20,30)×[20,30), area 100
//   2 C: nested in A, [40,55)×[20,40), area 300   3 D: on the border, [0,20)×[60,80), area 400
//   4 E: two 10×10 squares [70,80) and [81,91) × [10,20) with a 1-px gap at x = 80, area 200
const E = asciiMask(70, 10, Array.from({ length: 10 }, () => '#'.repeat(10) + '.' + '#'.repeat(10)));
const tile = segmentResult(100, 80, [
  detection(rectMask(10, 10, 60, 50), 0.9),
  detection(rectMask(20, 20, 30, 30), 0.8),
  detection(rectMask(40, 20, 55, 40), 0.95),
  detection(rectMask(0, 60, 20, 80), 0.7),
  detection(E, 0.6),
]);
const index = buildMaskIndex(tile, { cell: 16 });
const picks = (r: ReturnType<typeof selectByPoints>) => r.selected.map((s) => s.indices);

test('a foreground point selects the smallest mask containing it (nested masks), not the blob of all', () => {
  assert.deepEqual(picks(selectByPoints(index, [{ x: 25, y: 25, label: 1 }])), [[1]]);
  assert.deepEqual(picks(selectByPoints(index, [{ x: 15.5, y: 12.2 }])), [[0]]);
  const r = selectByPoints(index, [{ x: 45, y: 30 }]);
  assert.deepEqual(picks(r), [[2]]);
  assert.equal(r.selected[0].area, 300);
  assert.equal(r.selected[0].score, 0.95);
});

test('a background point removes the masks containing it', () => {
  // (50, 35) lies in C and A: both excluded, so the fg point on C selects nothing.
  assert.deepEqual(selectByPoints(index, [{ x: 45, y: 30 }, { x: 50, y: 35, label: 0 }]).unmatched, [0]);
  // A bg point in A only (outside B and C) removes A: a point in B still gets B, a point in A only nothing.
  const r = selectByPoints(index, [{ x: 12, y: 45, label: 0 }, { x: 25, y: 25 }, { x: 15, y: 15 }]);
  assert.deepEqual(picks(r), [[1]]);
  assert.deepEqual(r.unmatched, [2]);
});

test('several foreground points select several objects, or one merged object', () => {
  const two = selectByPoints(index, [{ x: 25, y: 25 }, { x: 45, y: 30 }, { x: 26, y: 26 }]);
  assert.deepEqual(picks(two), [[1], [2]]); // the third point hits B again: no duplicate
  assert.deepEqual(two.selected.map((s) => s.prompt.index), [0, 1]);
  const one = selectByPoints(index, [{ x: 25, y: 25 }, { x: 45, y: 30 }], { merge: true });
  assert.equal(one.selected.length, 1);
  assert.deepEqual(one.selected[0].indices, [1, 2]);
  assert.equal(one.selected[0].area, 400);
  assert.deepEqual([one.selected[0].mask.x, one.selected[0].mask.y, one.selected[0].mask.width, one.selected[0].mask.height], [20, 20, 35, 20]);
});

test('points on the border pixels select; points outside are OUT_OF_BOUNDS', () => {
  assert.deepEqual(picks(selectByPoints(index, [{ x: 0, y: 79.99 }])), [[3]]);
  assert.deepEqual(selectByPoints(index, [{ x: 99.5, y: 79.5 }]).unmatched, [0]);
  for (const p of [{ x: 100, y: 10 }, { x: -0.5, y: 3 }, { x: 5, y: 80 }]) {
    assert.throws(() => selectByPoints(index, [p]), (e: unknown) =>
      e instanceof EngineError && e.code === 'OUT_OF_BOUNDS' && /outside the image/.test(e.message));
  }
  assert.throws(() => selectByPoints(index, [{ x: Number.NaN, y: 1 }]), (e: unknown) =>
    e instanceof EngineError && e.code === 'BAD_INPUT' && /points\[0\]\.x: got null/.test(e.message));
  assert.throws(() => selectByPoints(index, [{ x: 1, y: 1, label: 2 as 1 }]), /expected 1 \(foreground\) or 0/);
});

test('optional closing fills a 1-px gap; opening removes thin parts', () => {
  const closed = selectByPoints(index, [{ x: 75, y: 15 }], { closeRadius: 1 });
  assert.equal(closed.selected[0].area, 210); // 21×10: the gap column is filled, nothing else grows
  assert.deepEqual([closed.selected[0].mask.x, closed.selected[0].mask.width], [70, 21]);
  const opened = selectByPoints(index, [{ x: 75, y: 15 }], { openRadius: 5 });
  assert.equal(opened.selected[0].area, 0); // 10-px squares vanish under an 11×11 opening
  const kept = selectByPoints(index, [{ x: 75, y: 15 }], { openRadius: 4 });
  assert.equal(kept.selected[0].area, 200); // ...and survive a 9×9 one unchanged
});
