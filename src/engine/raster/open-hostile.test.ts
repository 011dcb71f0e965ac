// Regression (issue 18): hostile TIFFs hung or killed the process — an IFD whose next offset points to
// itself never finished, a 65 KB file declaring 2^31 × 2^31 px exhausted the heap, one 32768² DEFLATE tile
// took 2.2 GB; truncated files must fail cleanly at any offset. Each case ends fast with a classified error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { deflatedZeros, handTiff, type HandIfd } from '../testing/hand-tiff.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { openRaster, RASTER_LIMITS } from './open.js';

const dir = tmpDir('fsg-hostile-open-');
const write = (name: string, bytes: Uint8Array): string => {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const small: HandIfd = { width: 16, height: 16, tile: [16, 16], blocks: [new Uint8Array(256).fill(7)] };

async function outcome(file: string): Promise<{ code: string; message: string; ms: number }> {
  const t0 = performance.now();
  try {
    const r = await openRaster(file);
    try {
      await r.readWindow([0, 0, r.width, r.height]);
      // And as the tile stage reads 8-bit RGB (pixel-interleaved bytes as stored).
      await r.readWindow([0, 0, r.width, r.height], { rgb8: r.bands === 3 });
    } finally {
      await r.close();
    }
    return { code: 'OK', message: '', ms: performance.now() - t0 };
  } catch (err) {
    assert.ok(err instanceof EngineError, `${file}: not an EngineError: ${(err as Error)?.stack}`);
    return { code: err.code, message: err.message, ms: performance.now() - t0 };
  }
}

test('the hand TIFF writer makes a file GDAL-compatible readers accept (the baseline)', async () => {
  const r = await outcome(write('ok.tif', handTiff([small])));
  assert.equal(r.code, 'OK', r.message);
});

test('IFD loops (self, back to the first) are refused with BAD_IMAGE, not followed forever', async () => {
  for (const [name, tiff] of [
    ['self.tif', handTiff([small], { next: 'self' })],
    ['cycle.tif', handTiff([small, { ...small }, { ...small }], { next: 'first' })],
  ] as const) {
    const r = await outcome(write(name, tiff));
    assert.equal(r.code, 'BAD_IMAGE', `${name}: ${r.message}`);
    assert.match(r.message, /IFD loop/);
  }
});

test('more images than the limit is TOO_LARGE', async () => {
  const many = Array.from({ length: RASTER_LIMITS.maxImages + 1 }, () => ({ ...small, blocks: [new Uint8Array(256)] }));
  const r = await outcome(write('many.tif', handTiff(many)));
  assert.equal(r.code, 'TOO_LARGE', r.message);
});

test('a 65 KB header declaring 2^31 × 2^31 px, or absurd block tables, are refused before anything is planned or decoded', async () => {
  const cases: Array<[string, HandIfd, string]> = [
    ['huge.tif', { width: 2 ** 31, height: 2 ** 31, tile: [256, 256], blockTable: Array(16000).fill([8, 1]) }, 'TOO_LARGE'],
    ['huge-strips.tif', { width: 4_000_001, height: 10, rowsPerStrip: 1, blockTable: [[8, 1]] }, 'TOO_LARGE'],
    // a decompression bomb: one 32768² tile (1 GiB decoded) from a ~1 MB DEFLATE stream
    ['bomb.tif', { width: 32768, height: 32768, tile: [32768, 32768], compression: 8, blocks: [deflatedZeros(1 << 30 >> 6)] }, 'TOO_LARGE'],
    ['bomb-strip.tif', { width: 32768, height: 32768, samples: 3, rowsPerStrip: 32768, compression: 8, blocks: [deflatedZeros(1 << 20)] }, 'TOO_LARGE'],
    ['lying-table.tif', { width: 64, height: 64, tile: [16, 16], blocks: [new Uint8Array(256)] }, 'BAD_IMAGE'],
    ['zero-size.tif', { width: 0, height: 16, tile: [16, 16], blocks: [new Uint8Array(256)] }, 'BAD_IMAGE'],
    ['past-eof.tif', { width: 16, height: 16, tile: [16, 16], blockTable: [[1 << 30, 256]] }, 'BAD_IMAGE'],
  ];
  for (const [name, ifd, code] of cases) {
    const file = write(name, handTiff([ifd]));
    const before = process.memoryUsage().rss;
    const r = await outcome(file);
    assert.equal(r.code, code, `${name}: ${r.code} ${r.message}`);
    assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, `${name}: RSS grew by more than 200 MB`);
  }
});

test('a GDAL GeoTIFF truncated at 60 offsets: each read ends with BAD_IMAGE or the exact pixels', async () => {
  const src = path.join(dir, 'src.tif');
  writeGeoTiff(src, { width: 96, height: 80, bands: squaresBands(96, 80, [[40, 40, 20]]), geotransform: [500000, 1, 0, 4000000, 0, -1], epsg: 32616, options: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', 'COMPRESS=DEFLATE'] });
  const full = readFileSync(src);
  const ref = await openRaster(src);
  const want = await ref.readWindow([0, 0, 96, 80]);
  const wantRgb8 = await ref.readWindow([0, 0, 96, 80], { rgb8: true });
  assert.ok(wantRgb8.rgb8, 'pixel-interleaved RGB: read as stored');
  await ref.close();
  const cuts = new Set<number>([0, 1, 2, 4, 7, 8, 9, 15, 16, 100, 200, full.length - 1, full.length - 2]);
  for (let i = 0; cuts.size < 60; i++) cuts.add(Math.floor((full.length * (i * 0.618034 % 1))));
  const seen: Record<string, number> = {};
  for (const cut of cuts) {
    const r = await outcome(write(`cut-${cut}.tif`, full.subarray(0, cut)));
    seen[r.code] = (seen[r.code] ?? 0) + 1;
    assert.ok(['BAD_IMAGE', 'OK'].includes(r.code), `cut at ${cut}: ${r.code} ${r.message}`);
    if (r.code === 'OK') {
      const got = await openRaster(path.join(dir, `cut-${cut}.tif`));
      const data = await got.readWindow([0, 0, 96, 80]);
      const rgb8 = await got.readWindow([0, 0, 96, 80], { rgb8: true });
      await got.close();
      assert.deepEqual(data.data, want.data, `cut at ${cut}: read without error but the pixels differ`);
      assert.deepEqual(rgb8.rgb8, wantRgb8.rgb8, `cut at ${cut}: read as RGB bytes without error but the pixels differ`);
    }
  }
  assert.ok(seen.BAD_IMAGE >= 50, JSON.stringify(seen));
});
