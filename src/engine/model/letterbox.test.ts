import { test } from 'node:test';
import assert from 'node:assert/strict';
import { letterbox, letterboxGeometry, pyRound, resizeLinear, toRgb } from './letterbox.js';

test('pyRound rounds halves to even, as Python 3', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, -1.5, 2.4, 2.6, 39.9].map(pyRound), [0, 2, 2, 4, -2, 2, 3, 40]);
});

test('letterbox geometry of bus.jpg (554×740) into 320×320, hand-computed', () => {
  // r = min(320/740, 320/554) = 0.43243; new = (round(239.57), round(320)) = (240, 320); dw = 40 → left 40
  const g = letterboxGeometry(554, 740, 320, 320);
  assert.equal(g.newWidth, 240);
  assert.equal(g.newHeight, 320);
  assert.equal(g.padLeft, 40);
  assert.equal(g.padTop, 0);
  // odd padding: 1000×333 into 640: new (640, round(213.12)=213), dh = 213.5 → top round(213.4) = 213
  const h = letterboxGeometry(1000, 333, 640, 640);
  assert.deepEqual([h.newWidth, h.newHeight, h.padLeft, h.padTop], [640, 213, 0, 213]);
});

test('resizeLinear: 2× downscale averages pixel pairs; upscale uses half-pixel centres (cv2 INTER_LINEAR)', () => {
  const src = Uint8Array.from([0, 100, 200, 50]); // 4×1 gray
  assert.deepEqual([...resizeLinear(src, 4, 1, 1, 2, 1)], [50, 125]);
  // 2 → 4: x = (d + 0.5)/2 − 0.5 = −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
  assert.deepEqual([...resizeLinear(Uint8Array.from([0, 200]), 2, 1, 1, 4, 1)], [0, 50, 150, 200]);
  // rows too, with 3 channels
  const img = Uint8Array.from([10, 20, 30, 10, 20, 30, 50, 60, 70, 50, 60, 70]); // 2×2 RGB
  assert.deepEqual([...resizeLinear(img, 2, 2, 3, 1, 1)], [30, 40, 50]);
});

test('letterbox: planar RGB /255 with 114 padding; gray and RGBA become RGB', () => {
  const gray = { data: Uint8Array.from([255, 0]), width: 2, height: 1, channels: 1 as const };
  const { tensor, geometry } = letterbox(gray, 2, 2);
  assert.deepEqual([geometry.padTop, geometry.newHeight], [0, 1]); // dh = 0.5 → top round(0.4) = 0, bottom 1
  const p = 4;
  for (let c = 0; c < 3; c += 1) {
    assert.deepEqual([...tensor.subarray(c * p, c * p + 4)].map((v) => Math.round(v * 255)), [255, 0, 114, 114]);
  }
  const rgba = { data: Uint8Array.from([1, 2, 3, 9, 4, 5, 6, 9]), width: 2, height: 1, channels: 4 as const };
  assert.deepEqual([...toRgb(rgba)], [1, 2, 3, 4, 5, 6]);
});

/** The letterbox written the plain way: fill the whole tensor with the padding, then put every resized pixel / 255. */
function referenceLetterbox(data: Uint8Array, w: number, h: number, ch: 1 | 2 | 3 | 4, dh: number, dw: number): Float32Array {
  const g = letterboxGeometry(w, h, dh, dw);
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * ch + (ch <= 2 ? 0 : c)];
  const resized = g.newWidth === w && g.newHeight === h ? rgb : resizeLinear(rgb, w, h, 3, g.newWidth, g.newHeight);
  const plane = dw * dh;
  const t = new Float32Array(3 * plane);
  for (let i = 0; i < t.length; i++) t[i] = 114 / 255;
  for (let y = 0; y < g.newHeight; y++) {
    for (let x = 0; x < g.newWidth; x++) {
      for (let c = 0; c < 3; c++) t[c * plane + (y + g.padTop) * dw + x + g.padLeft] = resized[(y * g.newWidth + x) * 3 + c] / 255;
    }
  }
  return t;
}

test('letterbox tensor is bit-identical to a plain reference: 1–4 channels, sizes equal to and different from the model input', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  const cases: [number, number, 1 | 2 | 3 | 4, number, number][] = [
    [64, 64, 3, 64, 64], [64, 64, 1, 64, 64], [96, 64, 3, 64, 64], [64, 96, 3, 64, 64], [50, 33, 3, 64, 64],
    [33, 50, 1, 64, 64], [101, 77, 4, 64, 96], [64, 48, 2, 48, 64], [200, 3, 3, 32, 32], [7, 5, 3, 32, 32],
  ];
  for (const [w, h, ch, dh, dw] of cases) {
    const data = new Uint8Array(w * h * ch);
    for (let i = 0; i < data.length; i++) data[i] = rand();
    const { tensor } = letterbox({ data, width: w, height: h, channels: ch }, dh, dw);
    const ref = referenceLetterbox(data, w, h, ch, dh, dw);
    assert.equal(tensor.length, ref.length);
    assert.ok(Buffer.from(tensor.buffer, tensor.byteOffset, tensor.byteLength).equals(Buffer.from(ref.buffer)), `${w}×${h}×${ch} → ${dw}×${dh}`);
  }
});

test('letterbox reads RGB bytes by words at any byte offset and row width: bit-identical to the plain reference', () => {
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  for (const [w, h, dh, dw] of [[8, 5, 8, 8], [9, 6, 9, 9], [10, 4, 12, 10], [11, 7, 16, 16], [13, 13, 13, 13], [37, 21, 40, 40], [64, 3, 64, 64]]) {
    for (let offset = 0; offset < 4; offset++) {
      const backing = new Uint8Array(offset + w * h * 3 + 5);
      for (let i = 0; i < backing.length; i++) backing[i] = rand();
      const data = backing.subarray(offset, offset + w * h * 3);
      const { tensor } = letterbox({ data, width: w, height: h, channels: 3 }, dh, dw);
      const ref = referenceLetterbox(data, w, h, 3, dh, dw);
      assert.ok(Buffer.from(tensor.buffer, tensor.byteOffset, tensor.byteLength).equals(Buffer.from(ref.buffer)), `${w}×${h} at byte offset ${offset} → ${dw}×${dh}`);
    }
  }
});
