/**
 * Streamed output of extract: features leave as soon as their id is certain, with the same ids as a sort
 * over all of them (position of the outline: top, then left), while only about a tile row of them is
 * held. On a raster of 8 × 8 tiles with the deterministic fixture model (red squares, some across tile
 * seams): ids follow the position read back from the written geometry (an independent check), the number
 * held stays near one tile row's buildings, the CLI's streamed files equal the whole-collection writer's
 * byte for byte (GDAL reads each), and a run that fails mid-way leaves no file.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { extract, extractFeatures } from './extract.js';
import { PositionOrder } from './position-order.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { REPO_ROOT, tmpDir } from '../testing/raster-fixtures.js';
import { streamCollection, writeCollection } from '../export/write-collection.js';
import { EXTRACT_FIELDS } from '../export/fields.js';
import type { Feature } from '../export/geojson.js';
import { EngineError } from '../errors.js';

const CLI = path.join(REPO_ROOT, 'bin', 'fastsam-geo.js');
const dir = tmpDir('fsg-stream-');
after(() => rmSync(dir, { recursive: true, force: true }));
const onnxBytes = buildFixtureSegModel();
const onnx = path.join(dir, 'fixture.onnx');
writeFileSync(onnx, onnxBytes);
const model = await loadSegModel(onnxBytes, { name: 'fixture' });

// 1600² pixels in tiles of 256 with overlap 64 (starts every 192 px): 8 rows of 8 tiles. Squares of 56
// and 112 px every 160 px (corners on multiples of 32: the fixture sees them in every tile), so many
// cross a tile seam and wait in the seam merge for the next row.
const N = 1600;
const TILE = 256;
const STEP = TILE - 64;
const SQUARES: [number, number, number][] = [];
let seed = 7;
const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let y = 32; y + 192 < N; y += 160) {
  for (let x = 32; x + 192 < N; x += 160) {
    const r = rnd();
    if (r < 0.6) SQUARES.push([x, y, 56]);
    else if (r < 0.85) SQUARES.push([x, y, 112]);
  }
}
const GT: [number, number, number, number, number, number] = [733601, 0.5, 0, 3725139, 0, -0.5];
const tif = path.join(dir, 'rows.tif');
writeGeoTiff(tif, { width: N, height: N, bands: squaresBands(N, N, SQUARES), geotransform: GT, epsg: 32616 });
const OPTS = { tileSize: TILE, overlap: 64 };

/** (top row, left column) in raster pixels of a feature in EPSG:32616 on the GT grid. */
function position(f: Feature): [number, number] {
  const pts = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates).flat(2) as unknown as number[][];
  const top = Math.min(...pts.map((p) => (GT[3] - p[1]) / -GT[5]));
  const left = Math.min(...pts.map((p) => (p[0] - GT[0]) / GT[1]));
  return [Math.round(top * 1e6) / 1e6, Math.round(left * 1e6) / 1e6];
}

test('ids follow the outline position (read back from the geometry) and only about one tile row of features is held', async () => {
  const got: Feature[] = [];
  let head: unknown = null;
  const r = await extractFeatures(tif, { model, ...OPTS, crs: 'native', regularize: false, simplify: 0 }, {
    open: (h) => {
      head = h;
    },
    write: (f) => {
      assert.ok(head, 'open() comes before the first feature');
      got.push(f);
    },
  });
  assert.equal(r.tiles, 64);
  assert.equal(r.buildings, got.length);
  assert.ok(got.length >= 60, `${got.length} buildings found (${SQUARES.length} drawn)`);
  assert.deepEqual(got.map((f) => f.id), got.map((_, k) => k + 1));
  assert.deepEqual(got.map((f) => f.properties.id), got.map((_, k) => k + 1));
  // Independent of the buffer: the position of each written outline (exact pixel edges here) is
  // non-decreasing in id order.
  for (let k = 1; k < got.length; k++) {
    const [a, b] = [position(got[k - 1]), position(got[k])];
    assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]), `id ${k} at ${a} comes before id ${k + 1} at ${b}`);
  }
  // Held at most: the buildings whose top lies in three consecutive tile rows (the row just vectorized,
  // the seam band above it and the pending band below); far fewer than all of them.
  const perRow = new Map<number, number>();
  for (const f of got) {
    const row = Math.floor(position(f)[0] / STEP);
    perRow.set(row, (perRow.get(row) ?? 0) + 1);
  }
  let bound = 0;
  for (let row = 0; row < 8; row++) bound = Math.max(bound, (perRow.get(row - 1) ?? 0) + (perRow.get(row) ?? 0) + (perRow.get(row + 1) ?? 0));
  assert.ok(r.maxHeld >= 1 && r.maxHeld <= bound, `held at most ${r.maxHeld} features, bound ${bound} (of ${got.length})`);
  assert.ok(r.maxHeld * 3 < got.length, `held at most ${r.maxHeld} of ${got.length}`);
});

test('the CLI streams every format: byte for byte what writing the whole collection gives; GDAL reads each file', async () => {
  // GeoJSON is WGS84 by default, the other formats are in the raster's CRS (cli/output).
  const whole = await extract(tif, { model, ...OPTS });
  const native = await extract(tif, { model, ...OPTS, crs: 'native' });
  const n = whole.collection.features.length;
  assert.ok(n >= 60);
  const ref = path.join(dir, 'ref');
  const out = path.join(dir, 'cli');
  mkdirSync(ref);
  mkdirSync(out);
  const cli = (o: string): string => {
    const r = spawnSync(process.execPath, [CLI, 'extract', tif, '--model', onnx, '--tile-size', String(TILE), '--overlap', '64', '--no-cache', '-q', '-o', o], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  // stdout: JSON.stringify of the whole collection.
  assert.equal(cli('-'), JSON.stringify(whole.collection));
  for (const ext of ['geojson', 'fgb', 'parquet', 'gpkg']) {
    await writeCollection(path.join(ref, `a.${ext}`), (ext === 'geojson' ? whole : native).collection, { fields: EXTRACT_FIELDS });
    cli(path.join(out, `a.${ext}`));
    const [a, b] = [path.join(ref, `a.${ext}`), path.join(out, `a.${ext}`)];
    const info = spawnSync('ogrinfo', ['-al', '-q', b], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (ext !== 'parquet') {
      // Debian's GDAL has no Parquet driver (pyarrow checks that format in export/formats.test).
      assert.equal(info.status, 0, info.stderr);
      assert.equal((info.stdout.match(/^OGRFeature/gm) ?? []).length, n, `${ext}: GDAL reads ${n} features`);
    }
    if (ext === 'gpkg') {
      // gpkg_contents records the time of writing: compare what GDAL reads instead.
      const refInfo = spawnSync('ogrinfo', ['-al', '-q', a], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.equal(info.stdout.replaceAll(b, ''), refInfo.stdout.replaceAll(a, ''));
    } else {
      assert.ok(readFileSync(a).equals(readFileSync(b)), `${ext}: the streamed file equals the whole-collection file`);
    }
  }
});

test('a run that fails mid-way (cancelled after some features were written) leaves no file, in every format', async () => {
  for (const ext of ['geojson', 'gpkg', 'fgb', 'parquet']) {
    const d = path.join(dir, `fail-${ext}`);
    mkdirSync(d);
    const ac = new AbortController();
    let written = 0;
    await assert.rejects(
      streamCollection(path.join(d, `out.${ext}`), { fields: EXTRACT_FIELDS, signal: ac.signal }, (out) =>
        extractFeatures(tif, { model, ...OPTS, signal: ac.signal }, {
          open: out.open,
          write: async (f) => {
            await out.write(f);
            if (++written === 5) ac.abort();
          },
        })),
      (err: unknown) => err instanceof EngineError && err.code === 'ABORTED',
    );
    assert.equal(written, 5);
    assert.deepEqual(readdirSync(d), [], `${ext}: nothing left behind`);
  }
});

test('PositionOrder: releases by (top, left, arrival) below the watermark; a key under a passed watermark is an internal error', () => {
  const o = new PositionOrder<string>();
  o.add([5, 3], 'c');
  o.add([2, 9], 'b');
  o.add([2, 1], 'a');
  o.add([5, 3], 'd');
  o.add([7, 0], 'e');
  assert.deepEqual(o.release(5), ['a', 'b']);
  assert.equal(o.size, 3);
  assert.throws(() => o.add([4, 0], 'x'), (e: unknown) => e instanceof EngineError && e.code === 'INTERNAL');
  o.add([5, 0], 'f');
  assert.deepEqual(o.release(Infinity), ['f', 'c', 'd', 'e']);
  assert.equal(o.maxHeld, 5);
});
