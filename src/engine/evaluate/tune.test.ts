// tune on the deterministic fixture model (red squares of 56/112/224 px scored 0.9/0.8/0.7): one model
// run per tile and resolution, every conf value equal to a fresh `extract --conf` of the same raster,
// and the best setting is the one that finds every square.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tune, parseSweep } from './tune.js';
import { evaluateLayers } from './evaluate.js';
import { readLayer } from '../export/read-layer.js';
import { writeFeatures } from '../export/sink.js';
import { extract } from '../pipeline/extract.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { REPO_ROOT, tmpDir } from '../testing/raster-fixtures.js';
import { fromEpsg } from '../geo/crs.js';
import { collectionCrs } from '../export/write-collection.js';
import type { Feature } from '../export/geojson.js';

const dir = tmpDir('fsg-tune-');
after(() => rmSync(dir, { recursive: true, force: true }));
const SQUARES: [number, number, number][] = [[64, 64, 56], [480, 96, 56], [416, 416, 56], [608, 192, 112], [96, 608, 224], [864, 864, 112], [352, 736, 56], [800, 480, 56]];
const GT = [733601, 0.5, 0, 3725139, 0, -0.5];
const raster = path.join(dir, 'squares.tif');
writeGeoTiff(raster, { width: 1024, height: 1024, bands: squaresBands(1024, 1024, SQUARES), geotransform: GT as never, epsg: 32616 });
const truthFile = path.join(dir, 'truth.gpkg');
const X = (c: number): number => GT[0] + c * GT[1];
const Y = (r: number): number => GT[3] + r * GT[5];
await writeFeatures(truthFile, SQUARES.map(([x, y, s], k): Feature => ({
  type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[X(x), Y(y)], [X(x + s), Y(y)], [X(x + s), Y(y + s)], [X(x), Y(y + s)], [X(x), Y(y)]]] }, properties: { id: k + 1 },
})), { crs: fromEpsg(32616), fields: [{ name: 'id', type: 'integer' }] });
const modelBytes = buildFixtureSegModel();
const TILING = { tileSize: 512, overlap: 128, minArea: 0 };

test('conf sweeps parse as start:stop:step or lists; bad sweeps are clear errors', () => {
  assert.deepEqual(parseSweep('conf', '0.1:0.3:0.05', () => true, ''), [0.1, 0.15, 0.2, 0.25, 0.3]);
  assert.deepEqual(parseSweep('conf', '0.5,0.7', () => true, ''), [0.5, 0.7]);
  assert.throws(() => parseSweep('conf', '0.5:0.1:0.1', () => true, 'x'), /--conf: got "0.5:0.1:0.1", expected x/);
  assert.throws(() => parseSweep('conf', 'a,b', () => true, 'x'), /--conf/);
});

test('tune: one model run per tile and resolution; each conf equals a fresh extract; the best finds every square', async () => {
  const model = await loadSegModel(modelBytes, { name: 'fixture' });
  try {
    const confs = [0.5, 0.75, 0.85, 0.95];
    const r = await tune(raster, truthFile, { model, confs, resolutions: [null, 1], ...TILING });
    assert.equal(r.rows.length, 8);
    // 9 tiles of 512 (overlap 128) at 0.5 m, 1 at 1 m (512 × 512 px): each run once, replayed for the 3 other confs.
    assert.equal(r.modelRuns, 9 + 1);
    assert.equal(r.replays, 3 * (9 + 1));
    const native = r.rows.filter((x) => x.resolution === null).map((x) => [x.conf, x.metrics.tp, x.metrics.fp, x.metrics.fn]);
    assert.deepEqual(native, [[0.5, 8, 0, 0], [0.75, 7, 0, 1], [0.85, 5, 0, 3], [0.95, 0, 0, 8]]);
    assert.deepEqual([r.best.resolution, r.best.conf, r.best.metrics.f1], [null, 0.5, 1]);
    // Same numbers as extract --conf 0.75 run from scratch with its own model.
    const truth = await readLayer(truthFile);
    const fresh = await extract(raster, { model: modelBytes, conf: 0.75, crs: 'native', ...TILING });
    const m = evaluateLayers({ features: fresh.collection.features, crs: collectionCrs(fresh.collection as never), format: 'geojson', skipped: 0 }, truth).metrics;
    assert.deepEqual(r.rows[1].metrics, m);
  } finally {
    await model.dispose();
  }
});

test('the CLI prints the best settings; a missing --truth is a clear error', () => {
  const onnx = path.join(dir, 'fixture.onnx');
  writeFileSync(onnx, modelBytes);
  const cli = path.join(REPO_ROOT, 'bin', 'fastsam-geo.js');
  const r = spawnSync(process.execPath, [cli, 'tune', raster, '--truth', truthFile, '--model', onnx, '--conf', '0.6:0.9:0.1', '--tile-size', '512', '--min-area', '0', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /best: native\s+conf 0\.600 .* F1 1\.000/);
  assert.match(r.stdout, /→ extract --conf 0\.6\n/);
  assert.match(r.stdout, /4 settings, 9 model runs, 27 replays/);
  const bad = spawnSync(process.execPath, [cli, 'tune', raster, '--model', onnx], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /missing --truth/);
});
