/**
 * Streaming (position-order.ts) meets row replay (row-replay.ts): a rerun that replays stored rows
 * writes the same features with the same ids, releasing each at the same point of the run as the
 * computed run did (the row's stored watermark), so the buffer stays as small as there. On a raster of
 * 5 × 5 tiles with the fixture model: the first run with a store, the fully cached rerun (no mask
 * decoded) and a rerun whose third row record goes bad after the check (recomputed, no id written
 * twice) all give the uncached run's features, ids, release points and most-held count; the CLI's
 * GeoJSON is byte for byte the same on the cached rerun and its GeoPackage reads the same in GDAL.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { extractFeatures, type ExtractOptions } from './extract.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { REPO_ROOT, tmpDir } from '../testing/raster-fixtures.js';
import { openResultStore } from '../cache/open-result-store.js';
import type { DirTileStore } from '../cache/result-store.js';
import type { Tile } from '../raster/tiling.js';

const CLI = path.join(REPO_ROOT, 'bin', 'fastsam-geo.js');
const dir = tmpDir('fsg-replay-');
after(() => rmSync(dir, { recursive: true, force: true }));
const onnxBytes = buildFixtureSegModel();
const onnx = path.join(dir, 'fixture.onnx');
writeFileSync(onnx, onnxBytes);
const model = await loadSegModel(onnxBytes, { name: 'fixture' });

// 1024² pixels in tiles of 256 with overlap 64: 5 rows of 5 tiles. Squares of 56 and 112 px every 160
// px (corners on multiples of 32), many across a seam, some touching (shared walls wait across rows).
const N = 1024;
const SQUARES: [number, number, number][] = [];
let seed = 11;
const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let y = 32; y + 192 < N; y += 160) {
  for (let x = 32; x + 192 < N; x += 160) {
    const r = rnd();
    if (r < 0.5) SQUARES.push([x, y, 56]);
    else if (r < 0.75) SQUARES.push([x, y, 112]);
    else if (r < 0.9) SQUARES.push([x, y, 56], [x + 56, y + 32, 56]);
  }
}
const tif = path.join(dir, 'rows.tif');
writeGeoTiff(tif, { width: N, height: N, bands: squaresBands(N, N, SQUARES), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
const OPTS = { tileSize: 256, overlap: 64 };
const ROWS = 5;

interface Run {
  /** Each written feature as JSON, in write order. */
  lines: string[];
  /** For each written feature, the progress (tiles done) reported next after it: where it was released. */
  at: number[];
  maxHeld: number;
  detections: number;
}

/** extractFeatures with the release point of each feature recorded through onProgress. */
async function runAt(opts: Partial<ExtractOptions>): Promise<Run> {
  const lines: string[] = [];
  const at: number[] = [];
  let open = 0;
  const r = await extractFeatures(tif, {
    model, ...OPTS, ...opts,
    onProgress: (p) => {
      for (; open > 0; open--) at.push(p.done);
    },
  }, {
    write: (f) => {
      assert.equal(f.id, lines.length + 1, 'ids written once each, in order');
      lines.push(JSON.stringify(f));
      open++;
    },
  });
  for (; open > 0; open--) at.push(-1);
  return { lines, at, maxHeld: r.maxHeld, detections: r.detections };
}

function spyGets(s: DirTileStore): Tile[] {
  const gets: Tile[] = [];
  const get = s.get.bind(s);
  s.get = (t: Tile) => {
    gets.push(t);
    return get(t);
  };
  return gets;
}

for (const settings of [{ crs: 'native' as const, regularize: false, simplify: 0 }, { regularize: true }]) {
  const name = JSON.stringify(settings);
  test(`${name}: computed, fully cached and broken-off replays write the uncached run's features at the same points`, async () => {
    const root = path.join(dir, `store-${Object.keys(settings).length}`);
    const opts = { model: onnx, ...OPTS, ...settings };
    const plain = await runAt(settings);
    assert.ok(plain.lines.length >= 12, `${plain.lines.length} buildings`);
    // Released row by row, not at the end: most features leave before the last tile.
    assert.ok(plain.at.filter((d) => d < 25).length > plain.lines.length / 2, `release points ${plain.at}`);
    assert.ok(plain.maxHeld * 2 < plain.lines.length, `held at most ${plain.maxHeld} of ${plain.lines.length}`);

    const s1 = (await openResultStore(tif, opts, { root }))!;
    const first = await runAt({ ...settings, tileStore: s1 });
    assert.equal(s1.rowStats.puts, ROWS);
    assert.deepEqual(first, plain, 'first run with a store');

    const s2 = (await openResultStore(tif, opts, { root }))!;
    const gets = spyGets(s2);
    const cached = await runAt({ ...settings, tileStore: s2 });
    assert.equal(gets.length, 0, 'fully cached: no mask decoded');
    assert.deepEqual(s2.rowStats, { hits: ROWS, misses: 0, puts: 0 });
    assert.deepEqual(cached.lines, plain.lines, 'the same features and ids, byte for byte');
    assert.deepEqual(cached.at, plain.at, 'each released after the same row');
    assert.equal(cached.maxHeld, plain.maxHeld, 'the buffer holds as many as in the computed run');
    assert.equal(cached.detections, plain.detections);

    // The third row record reads back bad after the check: the run recomputes and writes each id once.
    const s3 = (await openResultStore(tif, opts, { root }))!;
    const getRow = s3.getRow.bind(s3);
    let reads = 0;
    s3.getRow = async (key: string) => (++reads === 3 ? null : getRow(key));
    const broken = await runAt({ ...settings, tileStore: s3 });
    assert.equal(s3.stats.hits, 25, 'every tile run from its record');
    assert.deepEqual(broken.lines, plain.lines, 'the same output after falling back');
    assert.deepEqual(broken.at, plain.at);
    assert.equal(broken.detections, plain.detections);
  });
}

test('the CLI on a fully cached rerun: the same GeoJSON byte for byte, a GeoPackage GDAL reads the same', () => {
  const store = path.join(dir, 'cli-store');
  const env = { ...process.env, FASTSAM_GEO_RESULTS: store };
  const cli = (o: string): string => {
    const r = spawnSync(process.execPath, [CLI, 'extract', tif, '--model', onnx, '--tile-size', '256', '--overlap', '64', '-o', o], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    return r.stderr;
  };
  const out = (n: string): string => path.join(dir, n);
  cli(out('a.geojson'));
  cli(out('a.gpkg'));
  const rows = readdirSync(store, { recursive: true }).filter((n) => String(n).endsWith('.row')).length;
  assert.equal(rows, 2 * ROWS, 'rows of both outputs (WGS84 GeoJSON, native GeoPackage)');
  assert.match(cli(out('b.geojson')), /resumed 25\/25 tiles/);
  cli(out('b.gpkg'));
  assert.ok(readFileSync(out('a.geojson')).equals(readFileSync(out('b.geojson'))), 'GeoJSON byte for byte');
  const dump = (f: string): string => {
    const g = `${f}.ordered.geojson`;
    const r = spawnSync('ogr2ogr', ['-f', 'GeoJSON', '-lco', 'COORDINATE_PRECISION=15', '-sql', `SELECT * FROM "${path.basename(f, '.gpkg')}" ORDER BY id`, g, f], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return readFileSync(g, 'utf8');
  };
  const [a, b] = [dump(out('a.gpkg')), dump(out('b.gpkg'))];
  assert.ok(JSON.parse(a).features.length >= 12);
  assert.equal(a, b, 'GeoPackages the same to GDAL');
});

test('a row record is named by where the next row starts: another overlap with the same first tiles does not replay it', async () => {
  // One column of tiles, so the first row's tile is [0, 0, 256, 256] with either overlap. The square
  // at rows 128–184 is finished after the first row when the next row starts at 192 (overlap 64), but
  // waits for the next row when it starts at 128 (overlap 128).
  const col = path.join(dir, 'column.tif');
  writeGeoTiff(col, { width: 256, height: 640, bands: squaresBands(256, 640, [[64, 128, 56], [96, 416, 56]]), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
  const root = path.join(dir, 'column-store');
  for (const overlap of [64, 128]) {
    const opts = { tileSize: 256, overlap, regularize: false };
    const plain: string[] = [];
    await extractFeatures(col, { model, ...opts }, { write: (f) => { plain.push(JSON.stringify(f)); } });
    assert.equal(plain.length, 2);
    const s = (await openResultStore(col, { model: onnx, ...opts }, { root }))!;
    const got: string[] = [];
    await extractFeatures(col, { model, ...opts, tileStore: s }, { write: (f) => { got.push(JSON.stringify(f)); } });
    assert.deepEqual(got, plain, `overlap ${overlap}`);
    assert.equal(s.rowStats.hits, 0, `overlap ${overlap}: no row of the other tiling replayed`);
  }
});
