import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodePng, readImage, resizeImage, writePng } from './io.js';
import { sharedData } from '../testing/shared-data.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const tmp = tmpDir('fsg-io-');

test('readImage decodes the shared JPEG (bus.jpg: 554×740 RGB)', async () => {
  const img = await readImage(sharedData('images/bus.jpg'));
  assert.deepEqual([img.width, img.height, img.channels], [554, 740, 3]);
  assert.equal(img.data.length, 554 * 740 * 3);
});

test('readImage decodes TIFFs: RGB GeoTIFF and 1-band (gray) GeoTIFF', async () => {
  const rgb = await readImage(sharedData('geotiff/rotterdam/rgb_unmasked.tif'));
  assert.deepEqual([rgb.width, rgb.height, rgb.channels], [200, 200, 3]);
  const gray = await readImage(sharedData('geotiff/spacenet-atlanta/sample_fp_mask.tif'));
  assert.deepEqual([gray.width, gray.height, gray.channels], [900, 900, 1]);
  assert.deepEqual([...new Set(gray.data)].sort((a, b) => a - b), [0, 255]);
});

test('PNG round trip is exact for gray, RGB and RGBA; writePng writes a PNG file', async () => {
  for (const channels of [1, 3, 4] as const) {
    const data = Uint8Array.from({ length: 5 * 3 * channels }, (_, i) => (i * 37) % 256);
    const img = { data, width: 5, height: 3, channels };
    const back = await readImage(await encodePng(img));
    assert.deepEqual(back, img);
  }
  const file = path.join(tmp, 'o.png');
  await writePng({ data: new Uint8Array(12).fill(7), width: 2, height: 2, channels: 3 }, file);
  assert.deepEqual([...readFileSync(file).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
});

test('resizeImage gives the requested size', async () => {
  const img = { data: new Uint8Array(4 * 4 * 3).fill(100), width: 4, height: 4, channels: 3 as const };
  const r = await resizeImage(img, { width: 2, height: 3 });
  assert.deepEqual([r.width, r.height, r.channels], [2, 3, 3]);
  assert.ok(r.data.every((v) => v === 100));
});

test('a file that is not an image is BAD_IMAGE; a missing file is NOT_FOUND', async () => {
  const f = path.join(tmp, 'notes.png');
  writeFileSync(f, 'this is text, not pixels');
  await assert.rejects(readImage(f), (e: any) => e.code === 'BAD_IMAGE' && e.message.includes('notes.png is not a readable image'));
  await assert.rejects(readImage(path.join(tmp, 'nope.jpg')), (e: any) => e.code === 'NOT_FOUND');
});
