import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskInBox, protoGeometry, protosByCell } from './masks.js';
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

test('maskInBox: random prototypes and boxes match a per-pixel bilinear upsample of the whole frame (torch align_corners=False)', () => {
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const nm = 4, mh = 24, mw = 20, H = 96, W = 80; // ×4, as FastSAM's prototypes
  const protos = Float32Array.from({ length: nm * mh * mw }, () => rnd() * 2 - 1);
  const g = protoGeometry(nm, mh, mw, H, W);
  const byCell = protosByCell(protos, g);
  let edges = 0, filled = 0;
  for (let k = 0; k < 60; k++) {
    const coeffs = Float32Array.from({ length: nm }, () => rnd() * 2 - 1);
    // Smooth logits (many uniform cells, some edges): the first channel dominates.
    coeffs[0] *= 8;
    const bx0 = rnd() * W, by0 = rnd() * H;
    const box = [bx0, by0, bx0 + rnd() * (W - bx0), by0 + rnd() * (H - by0)];
    const logit = (r: number, c: number): number => {
      let v = 0;
      for (let ch = 0; ch < nm; ch++) v += coeffs[ch] * protos[ch * mh * mw + r * mw + c];
      return v;
    };
    const tap = (o: number, len: number, out: number): [number, number, number] => {
      const s = Math.max(0, (o + 0.5) * (len / out) - 0.5);
      const a = Math.min(Math.floor(s), len - 1);
      return [a, Math.min(a + 1, len - 1), s - a];
    };
    const plain = maskInBox(protos, coeffs, box, g);
    assert.deepEqual(maskInBox(protos, coeffs, box, g, byCell), plain, 'both prototype layouts: the same arithmetic, the same mask');
    for (const cells of [undefined, byCell]) {
      const { mask, area } = maskInBox(protos, coeffs, box, g, cells);
      let count = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const [x0, x1, lx] = tap(x, mw, W);
          const [y0, y1, ly] = tap(y, mh, H);
          const v = (1 - ly) * ((1 - lx) * logit(y0, x0) + lx * logit(y0, x1)) + ly * ((1 - lx) * logit(y1, x0) + lx * logit(y1, x1));
          const inBox = x >= Math.ceil(box[0]) && x < Math.ceil(box[2]) && y >= Math.ceil(box[1]) && y < Math.ceil(box[3]);
          const got = x >= mask.x && y >= mask.y && x < mask.x + mask.width && y < mask.y + mask.height ? mask.data[(y - mask.y) * mask.width + x - mask.x] : 0;
          count += got;
          if (Math.abs(v) > 1e-5) assert.equal(got, inBox && v > 0 ? 1 : 0, `detection ${k}, pixel ${x},${y}: logit ${v}`);
        }
      }
      assert.equal(area, count);
      // setBox: the box of the set pixels, found here by scanning the bitmap.
      let sx0 = mask.width, sy0 = mask.height, sx1 = 0, sy1 = 0;
      for (let y = 0; y < mask.height; y++) {
        for (let x = 0; x < mask.width; x++) {
          if (!mask.data[y * mask.width + x]) continue;
          sx0 = Math.min(sx0, x); sy0 = Math.min(sy0, y); sx1 = Math.max(sx1, x + 1); sy1 = Math.max(sy1, y + 1);
        }
      }
      assert.deepEqual(mask.setBox, area > 0 ? [sx0, sy0, sx1, sy1] : [0, 0, 0, 0], `detection ${k}: setBox`);
      if (area > 0 && area < mask.width * mask.height) edges++;
      filled += area;
    }
  }
  assert.ok(edges > 20 && filled > 1000, `${edges} masks with an edge, ${filled} pixels: both uniform and edge runs exercised`);
});

test('protosByCell: cell-major layout out[i · nm + c] = protos[c · plane + i] (channel counts with a tail, grids not a multiple of the block)', () => {
  for (const [nm, mh, mw] of [[32, 17, 23], [5, 40, 9], [30, 16, 16], [1, 3, 3]]) {
    const plane = mh * mw;
    const protos = Float32Array.from({ length: nm * plane }, (_, k) => k * 0.5 - 3);
    const out = protosByCell(protos, protoGeometry(nm, mh, mw, 4 * mh, 4 * mw));
    for (let i = 0; i < plane; i++) for (let c = 0; c < nm; c++) assert.equal(out[i * nm + c], protos[c * plane + i], `${nm}×${mh}×${mw} cell ${i} channel ${c}`);
  }
});
