import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipResizeGeometry, clipPreprocess, maskedCrop, clipCrops } from './preprocess.js';
import { DEFAULTS } from '../../config.js';
import type { RawImage } from '../../types.js';
import { detection, rectMask, asciiMask, segmentResult } from '../../testing/fixture-masks.js';

const norm = (v: number, c: number) => (v / 255 - DEFAULTS.clip.mean[c]) / DEFAULTS.clip.std[c];

function image(w: number, h: number, at: (x: number, y: number) => [number, number, number]): RawImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(at(x, y), (y * w + x) * 3);
  return { data, width: w, height: h, channels: 3 };
}

test('resize geometry: shortest side to 224, long side int(224·long/short), centered crop (torchvision)', () => {
  assert.deepEqual(clipResizeGeometry(200, 100, 224), { width: 448, height: 224, left: 112, top: 0 });
  assert.deepEqual(clipResizeGeometry(30, 70, 224), { width: 224, height: 522, left: 0, top: 149 }); // 224·70/30 = 522.67
  assert.deepEqual(clipResizeGeometry(224, 224, 224), { width: 224, height: 224, left: 0, top: 0 });
});

test('a constant colour normalizes to (v/255 − mean)/std everywhere; a red|blue image is center-cropped', async () => {
  const S = 224, plane = S * S;
  const out = new Float32Array(3 * plane);
  await clipPreprocess(image(50, 30, () => [200, 100, 50]), out, 0);
  for (const [c, v] of [[0, 200], [1, 100], [2, 50]]) {
    assert.ok(Math.abs(out[c * plane + 5000] - norm(v, c)) < 1e-6);
    assert.ok(Math.abs(out[c * plane + plane - 1] - norm(v, c)) < 1e-6);
  }
  // 200×100: left half red, right half blue → 448×224, crop columns [112, 336): the crop's left half
  // (columns < 112) comes from the red half, its right half from the blue half.
  await clipPreprocess(image(200, 100, (x) => (x < 100 ? [255, 0, 0] : [0, 0, 255])), out, 0);
  for (const col of [0, 50, 100]) assert.ok(Math.abs(out[100 * S + col] - norm(255, 0)) < 1e-6, `col ${col}`);
  for (const col of [124, 170, 223]) assert.ok(Math.abs(out[2 * plane + 100 * S + col] - norm(255, 2)) < 1e-6, `col ${col}`);
});

test('masked crop: bounding box of the mask, outside-mask pixels blanked; gray replicated', () => {
  const img: RawImage = { data: Uint8Array.from({ length: 16 }, (_, i) => i * 10), width: 4, height: 4, channels: 1 };
  const crop = maskedCrop(img, asciiMask(1, 1, ['#.', '##']), [7, 8, 9]);
  assert.deepEqual([crop.width, crop.height, crop.channels], [2, 2, 3]);
  assert.deepEqual(Array.from(crop.data), [50, 50, 50, 7, 8, 9, 90, 90, 90, 100, 100, 100]);
});

test('masks under the minimum area are not cropped; crops come out in detection order', async () => {
  const img = image(64, 64, (x) => (x < 32 ? [255, 0, 0] : [0, 255, 0]));
  const r = segmentResult(64, 64, [detection(rectMask(0, 0, 20, 20)), detection(rectMask(40, 40, 45, 45)), detection(rectMask(40, 0, 60, 20))]);
  const crops = await clipCrops(img, r, { minArea: 100 });
  assert.deepEqual(crops.indices, [0, 2]);
  const plane = 224 * 224;
  assert.ok(Math.abs(crops.pixels[0] - norm(255, 0)) < 1e-6); // crop 0 red
  assert.ok(Math.abs(crops.pixels[3 * plane + plane] - norm(255, 1)) < 1e-6); // crop 1 green channel
  await assert.rejects(clipCrops(image(10, 10, () => [0, 0, 0]), r), /expected the segmented 64×64/);
});
