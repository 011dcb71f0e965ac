import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskInBox, protoGeometry } from './masks.js';
import { nmsSorted, unletterboxBoxes } from './decode.js';
import { letterboxGeometry } from './letterbox.js';

test('protoGeometry crops the letterbox padding off the prototype grid (scale_masks)', () => {
  // bus.jpg 554×740 in a 320 model: protos 80×80, gain 80/740, padX = (80 − 59.89)/2 = 10.05 → left 10, right 70
  const g = protoGeometry(32, 80, 80, 740, 554);
  assert.deepEqual([g.top, g.bottom, g.left, g.right], [0, 80, 10, 70]);
});

test('maskInBox: hand-computed 2×2 prototype upsampled to 8×8, thresholded at 0, cropped to the box', () => {
  // one prototype channel: [[+1, −1], [−1, −1]]; coefficient 2. Upsample ×4 (align_corners=False):
  // x taps: src = (x + 0.5)/4 − 0.5 → weights of column 0: 1, 1, 0.875, 0.625, 0.375, 0.125, 0, 0.
  // logit(x, y) = 2·(2·wx·wy − 1) > 0 ⇔ wx·wy > 0.5.
  const protos = Float32Array.from([1, -1, -1, -1]);
  const g = protoGeometry(1, 2, 2, 8, 8);
  const { mask, area } = maskInBox(protos, Float32Array.from([2]), [0, 0, 8, 8], g);
  const w = [1, 1, 0.875, 0.625, 0.375, 0.125, 0, 0];
  let expected = 0;
  for (let y = 0; y < 8; y += 1) {
    for (let x = 0; x < 8; x += 1) {
      const v = w[x] * w[y] > 0.5 ? 1 : 0;
      expected += v;
      assert.equal(mask.data[y * 8 + x], v, `pixel ${x},${y}`);
    }
  }
  assert.equal(area, expected);
  assert.equal(area, 15); // 4×4 block minus its far corner (0.625² < 0.5)
  // crop: pixels with col ≥ x1 and col < x2 (x1 = 1.5 → first col 2; x2 = 3.2 → last col 3)
  const c = maskInBox(protos, Float32Array.from([2]), [1.5, 0, 3.2, 2], g);
  assert.deepEqual([c.mask.x, c.mask.y, c.mask.width, c.mask.height], [2, 0, 2, 2]);
  assert.deepEqual([...c.mask.data], [1, 1, 1, 1]);
});

test('nmsSorted suppresses IoU > threshold only; unletterboxBoxes undoes pad and gain and clips', () => {
  const boxes = Float32Array.from([0, 0, 10, 10, 0, 0, 10, 5, 0, 0, 10, 4.9, 20, 20, 30, 30]);
  const area = Float32Array.from([100, 50, 49, 100]);
  assert.deepEqual(nmsSorted(boxes, area, 0.5, 300), [0, 1, 3]); // IoU 0.5 is kept, 0.49 → also kept
  assert.deepEqual(nmsSorted(boxes, area, 0.495, 300), [0, 2, 3]);
  assert.deepEqual(nmsSorted(boxes, area, 0.7, 2), [0, 1]);
  const g = letterboxGeometry(554, 740, 320, 320);
  const b = Float64Array.from([40, 0, 200, 320, 30, -5, 300, 330]);
  unletterboxBoxes(b, g);
  const gain = 320 / 740;
  assert.deepEqual([...b].map((v) => +v.toFixed(6)), [0, 0, +(160 / gain).toFixed(6), 740, 0, 0, 554, 740]);
});
