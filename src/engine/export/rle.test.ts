import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropToRleCounts, decodeCocoRle, maskToCocoRle, rleFromString, rleToString } from './rle.js';

test('hand-computed 3×4 case: runs column-major, starting with zeros; pycocotools string "42102"', () => {
  // rows: 0000 / 0110 / 0110 → columns: 000, 011, 011, 000 → runs 4 zeros, 2, 1, 2, 3
  const mask = { x: 1, y: 1, width: 2, height: 2, data: Uint8Array.from([1, 1, 1, 1]) };
  assert.deepEqual(cropToRleCounts(mask, 4, 3), [4, 2, 1, 2, 3]);
  // string: 4, 2, 1, then 2−2 = 0, 3−1 = 2 (each + 48)
  assert.equal(rleToString([4, 2, 1, 2, 3]), '42102');
  assert.deepEqual(maskToCocoRle(mask, 4, 3), { size: [3, 4], counts: '42102' });
  assert.deepEqual(maskToCocoRle(mask, 4, 3, { compressed: false }), { size: [3, 4], counts: [4, 2, 1, 2, 3] });
});

test('a mask starting with a set pixel begins with a 0-length run; matches pycocotools on a 40×50 case', () => {
  // the pycocotools string below was computed with pycocotools.mask.encode for: column 0 set, and
  // rows 5..34 × columns 10..44 set (the full-image mask is split into two crops here and merged)
  const full = new Uint8Array(40 * 50);
  for (let y = 0; y < 40; y += 1) full[y * 50] = 1;
  for (let y = 5; y < 35; y += 1) for (let x = 10; x < 45; x += 1) full[y * 50 + x] = 1;
  const crop = { x: 0, y: 0, width: 50, height: 40, data: full };
  const counts = cropToRleCounts(crop, 50, 40);
  assert.equal(counts[0], 0);
  const expected = '0X1];FmD0000000000000000000000000000000000000000000000000000000000000000000S6';
  assert.equal(rleToString(counts), expected);
  assert.deepEqual(rleFromString(expected), counts);
  assert.deepEqual(decodeCocoRle({ size: [40, 50], counts: expected }), full);
});

test('negative differences and large counts round-trip through the string form', () => {
  const counts = [1000000, 3, 999, 1, 0, 70000, 5];
  assert.deepEqual(rleFromString(rleToString(counts)), counts);
});

test('decodeCocoRle rejects counts that do not cover the image', () => {
  assert.throws(() => decodeCocoRle({ size: [2, 2], counts: [1, 2] }), (e: any) => e.code === 'BAD_INPUT');
});
