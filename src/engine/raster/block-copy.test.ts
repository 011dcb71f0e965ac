/**
 * Window reads through block-copy.ts (typed-array copy of geotiff.js's decoded blocks, DEFLATE through
 * node's zlib) against GDAL's own read of the same window (gdal_translate -srcwin to raw ENVI), across
 * layouts: pixel- and band-interleaved, tiles and strips, DEFLATE with and without predictor, LZW, none;
 * uint8, uint16, int16, float32; windows that cut blocks and reach the last partial ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openRaster } from './open.js';
import { gdal, tmpDir } from '../testing/raster-fixtures.js';
import { writeGeoTiff } from '../testing/write-geotiff.js';

const dir = tmpDir('fsg-blocks-');
const W = 300;
const H = 217;

function bands<T extends Uint8Array | Uint16Array | Int16Array | Float32Array>(make: (n: number) => T, f: (b: number, x: number, y: number) => number): T[] {
  return [0, 1, 2].map((b) => {
    const a = make(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) a[y * W + x] = f(b, x, y);
    return a;
  });
}

const LAYOUTS: [string, string[]][] = [
  ['tiled-deflate-pixel', ['TILED=YES', 'BLOCKXSIZE=64', 'BLOCKYSIZE=32', 'COMPRESS=DEFLATE', 'INTERLEAVE=PIXEL']],
  ['tiled-deflate-band-pred2', ['TILED=YES', 'BLOCKXSIZE=128', 'BLOCKYSIZE=64', 'COMPRESS=DEFLATE', 'PREDICTOR=2', 'INTERLEAVE=BAND']],
  ['strips-lzw-pixel', ['COMPRESS=LZW', 'BLOCKYSIZE=10', 'INTERLEAVE=PIXEL']],
  // DEFLATE strips with a short last one (217 rows): zlib's output chunk is sized from the full strip.
  ['strips-deflate-pred2-pixel', ['COMPRESS=DEFLATE', 'PREDICTOR=2', 'BLOCKYSIZE=10', 'INTERLEAVE=PIXEL']],
  ['strips-none-band', ['INTERLEAVE=BAND']],
];
const TYPES = {
  uint8: bands((n) => new Uint8Array(n), (b, x, y) => (x * 7 + y * 3 + b * 50) & 255),
  uint16: bands((n) => new Uint16Array(n), (b, x, y) => x * 200 + y + b * 7),
  int16: bands((n) => new Int16Array(n), (b, x, y) => x * 90 - y * 31 - b),
  float32: bands((n) => new Float32Array(n), (b, x, y) => Math.sin(x / 7) * y - b / 3),
};
const ARR = { uint8: Uint8Array, uint16: Uint16Array, int16: Int16Array, float32: Float32Array };

test('window reads match GDAL on every layout, dtype and window position', async () => {
  const windows: [number, number, number, number][] = [[5, 3, 140, 97], [70, 31, W, H], [299, 216, 300, 217]];
  const types = Object.entries(TYPES) as [keyof typeof TYPES, (typeof TYPES)[keyof typeof TYPES]][];
  let checked = 0;
  for (const [li, [layout, options]] of LAYOUTS.entries()) {
    // Two dtypes per layout, rotating, so every dtype meets two layouts (keeps the test short).
    for (const [dtype, data] of [types[li % 4], types[(li + 1) % 4]]) {
      const file = path.join(dir, `${layout}-${dtype}.tif`);
      const opts = dtype === 'float32' ? options.map((o) => o.replace('PREDICTOR=2', 'PREDICTOR=3')) : options;
      writeGeoTiff(file, { width: W, height: H, bands: data, geotransform: [0, 1, 0, 0, 0, -1], epsg: 32616, options: opts });
      const r = await openRaster(file);
      try {
        assert.equal(r.dtype, dtype);
        for (const w of windows) {
          const out = path.join(dir, `win-${checked}.bin`);
          gdal('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ', '-srcwin', String(w[0]), String(w[1]), String(w[2] - w[0]), String(w[3] - w[1]), file, out]);
          const raw = readFileSync(out);
          const n = (w[2] - w[0]) * (w[3] - w[1]);
          const Arr = ARR[dtype];
          const want = new Arr(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
          for (const sel of [[0, 1, 2], [2], [1, 0]]) {
            const got = await r.readWindow(w, { bands: sel });
            sel.forEach((b, k) => {
              assert.deepEqual(got.data[k], want.subarray(b * n, (b + 1) * n), `${layout} ${dtype} window ${w} band ${b + 1}`);
            });
          }
          checked++;
        }
      } finally {
        await r.close();
      }
    }
  }
  assert.equal(checked, LAYOUTS.length * 2 * windows.length);
});

test('8-bit RGB read pixel-interleaved (rgb8) matches GDAL where stored so; other layouts and band choices read as bands', async () => {
  const windows: [number, number, number, number][] = [[5, 3, 140, 97], [70, 31, W, H], [0, 210, 300, 217], [299, 216, 300, 217]];
  let interleaved = 0;
  for (const [layout, options] of LAYOUTS) {
    const file = path.join(dir, `rgb8-${layout}.tif`);
    writeGeoTiff(file, { width: W, height: H, bands: TYPES.uint8, geotransform: [0, 1, 0, 0, 0, -1], epsg: 32616, options });
    const r = await openRaster(file);
    try {
      for (const w of windows) {
        const out = path.join(dir, `rgb8-${layout}-${w.join('-')}.bin`);
        gdal('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BIP', '-srcwin', String(w[0]), String(w[1]), String(w[2] - w[0]), String(w[3] - w[1]), file, out]);
        const want = new Uint8Array(readFileSync(out));
        const got = await r.readWindow(w, { bands: [0, 1, 2], rgb8: true });
        if (layout.endsWith('-pixel')) {
          assert.ok(got.rgb8, `${layout}: pixel-interleaved bytes`);
          assert.equal(got.data.length, 0);
          assert.deepEqual(got.rgb8, want, `${layout} window ${w}`);
          interleaved++;
        } else {
          assert.equal(got.rgb8, undefined, `${layout}: band-interleaved, read as bands`);
          const n = (w[2] - w[0]) * (w[3] - w[1]);
          for (let b = 0; b < 3; b++) for (let i = 0; i < n; i += 97) assert.equal(got.data[b][i], want[3 * i + b]);
        }
        // Other band choices read as bands, with or without the option.
        const two = await r.readWindow(w, { bands: [1, 0], rgb8: true });
        assert.equal(two.rgb8, undefined);
        assert.equal(two.data.length, 2);
      }
    } finally {
      await r.close();
    }
  }
  assert.equal(interleaved, 3 * windows.length, 'the tiled and the two strip (short last strip, LZW and DEFLATE + predictor) pixel-interleaved layouts');
});
