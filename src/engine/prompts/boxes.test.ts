import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMaskIndex } from './mask-index.js';
import { selectByBoxes, maskBoxIoU } from './boxes.js';
import { detection, rectMask, segmentResult, syntheticTile } from '../testing/fixture-masks.js';
import { EngineError } from '../errors.js';
import type { Box } from '../types.js';

// Same hand-drawn tile as points.test.ts: A block, B and C nested in A, D on the border.
const tile = segmentResult(100, 80, [
  detection(rectMask(10, 10, 60, 50), 0.9),
  detection(rectMask(20, 20, 30, 30), 0.8),
  detection(rectMask(40, 20, 55, 40), 0.95),
  detection(rectMask(0, 60, 20, 80), 0.7),
]);
const index = buildMaskIndex(tile, { cell: 16 });

test('a box selects the mask with the highest mask-to-box IoU (hand-computed)', () => {
  const r = selectByBoxes(index, [[20, 20, 30, 30], [10, 10, 60, 50]]);
  assert.deepEqual(r.selected.map((s) => [s.indices[0], s.score]), [[1, 1], [0, 1]]);
});

test('overlapping candidates: the nested mask wins over its container', () => {
  // box 19×24 = 456 px, inside A entirely: IoU(A) = 456 / 2000 = 0.228; C lies wholly inside: 300 / 456.
  const r = selectByBoxes(index, [[38, 18, 57, 42]]);
  assert.deepEqual(r.selected[0].indices, [2]);
  assert.ok(Math.abs(r.selected[0].score - 300 / 456) < 1e-12);
  const b: [number, number, number, number] = [38, 18, 57, 42];
  assert.ok(Math.abs(maskBoxIoU(index, 0, b) - 456 / 2000) < 1e-12);
  assert.ok(Math.abs(maskBoxIoU(index, 1, b) - 0) < 1e-12);
});

test('boxes are clamped to the tile; one wholly outside is OUT_OF_BOUNDS', () => {
  // clamped to [0, 55, 25, 80] = 625 px holding all of D (400): IoU 0.64
  const r = selectByBoxes(index, [[-10, 55, 25, 100]]);
  assert.deepEqual(r.selected[0].indices, [3]);
  assert.ok(Math.abs(r.selected[0].score - 0.64) < 1e-12);
  assert.throws(() => selectByBoxes(index, [[200, 200, 300, 300]]), (e: unknown) =>
    e instanceof EngineError && e.code === 'OUT_OF_BOUNDS');
  assert.throws(() => selectByBoxes(index, [[30, 30, 20, 40]]), (e: unknown) =>
    e instanceof EngineError && e.code === 'BAD_INPUT' && /expected x1 < x2/.test(e.message));
  assert.throws(() => selectByBoxes(index, [[1, 2, 3] as unknown as Box]), /expected \[x1, y1, x2, y2\]/);
  assert.deepEqual(selectByBoxes(index, [[70, 50, 99, 79]]).unmatched, [0]);
});

test('summed-area IoU equals a brute-force count over the bitmaps (300 ellipse masks, 50 boxes)', () => {
  const t = syntheticTile(300, 512, 7);
  const idx = buildMaskIndex(t);
  const boxes: [number, number, number, number][] = [];
  for (let k = 0; k < 50; k++) {
    const x = (k * 97) % 450, y = (k * 61) % 450;
    boxes.push([x, y, x + 10 + ((k * 13) % 60), y + 10 + ((k * 29) % 60)]);
  }
  for (const b of boxes) {
    let best = -1, bestIoU = 0;
    t.detections.forEach((d, i) => {
      let inside = 0;
      const m = d.mask;
      for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) {
        const gx = m.x + x, gy = m.y + y;
        if (m.data[y * m.width + x] && gx >= b[0] && gx < b[2] && gy >= b[1] && gy < b[3]) inside++;
      }
      const iou = inside / ((b[2] - b[0]) * (b[3] - b[1]) + d.area - inside);
      if (iou > bestIoU) { bestIoU = iou; best = i; }
    });
    const r = selectByBoxes(idx, [b]);
    if (best < 0) assert.deepEqual(r.unmatched, [0]);
    else {
      assert.equal(r.selected[0].indices[0], best);
      assert.ok(Math.abs(r.selected[0].score - bestIoU) < 1e-12);
    }
  }
});
