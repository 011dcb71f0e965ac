/**
 * promptRaster end to end: a GeoTIFF written by GDAL with red and magenta squares, the spine's fixture
 * FastSAM-contract model (it sees both: R − G is 1 in each) and the fixture CLIP encoders (they tell
 * red from magenta). Expected selections and areas are computed by hand from the drawn squares.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { promptRaster } from './prompt-raster.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { sharedData, tmpDir } from '../testing/raster-fixtures.js';
import { createTileCache, createEmbeddingCache } from '../cache/tile-cache.js';
import { fixtureClipVision, fixtureClipText } from '../testing/fixture-clip-models.js';
import { openClip } from './text.js';
import { EngineError } from '../errors.js';

const dir = tmpDir('fsg-prompt-raster-');
const model = await loadSegModel(buildFixtureSegModel(), { name: 'fixture' });
// [x, y, side]: a small red square inside nothing, a large red one, a magenta one.
const SQUARES: [number, number, number][] = [[64, 64, 56], [256, 64, 112], [96, 320, 112]];
const GT: [number, number, number, number, number, number] = [733601, 0.5, 0, 3725139, 0, -0.5];
const bands = squaresBands(512, 512, SQUARES);
for (let y = 320; y < 432; y++) for (let x = 96; x < 208; x++) bands[2][y * 512 + x] = 255; // magenta
const tif = path.join(dir, 'squares.tif');
writeGeoTiff(tif, { width: 512, height: 512, bands, geotransform: GT, epsg: 32616 });
const X = (c: number) => GT[0] + c * GT[1];
const Y = (r: number) => GT[3] + r * GT[5];
// Each square loses its 4 corner pixels to the bilinear mask upsample (fixture-seg-model.ts): 0.25 m² per pixel.
const areaOf = (s: number) => (s * s - 4) * 0.25;

test('a point (native CRS) selects the square under it; the second prompt comes from the cache', async () => {
  const tileCache = createTileCache({ dir: path.join(dir, 'cache1') });
  const opts = { model, tileSize: 512, crs: 'native' as const, regularize: false, minArea: 0, tileCache };
  const first = await promptRaster(tif, { points: [{ x: X(300), y: Y(100) }], coords: 'native' }, opts);
  assert.equal(first.cached, false);
  assert.equal(first.collection.features.length, 1);
  const f = first.collection.features[0];
  assert.equal(f.properties.area_m2, areaOf(112));
  assert.equal(f.properties.prompt, 'point');
  assert.equal(f.properties.source, 'squares.tif');
  const second = await promptRaster(tif, { points: [{ x: X(90), y: Y(90) }, { x: X(300), y: Y(100), label: 0 }], coords: 'native' }, opts);
  assert.equal(second.cached, true);
  assert.equal(second.timings.segment, 0);
  assert.deepEqual(second.collection.features.map((g) => g.properties.area_m2), [areaOf(56)]);
  // A fresh memory cache over the same directory answers from disk.
  const again = createTileCache({ dir: path.join(dir, 'cache1') });
  const third = await promptRaster(tif, { points: [{ x: 300, y: 100 }], coords: 'pixel' }, { ...opts, tileCache: again });
  assert.equal(third.cached, true);
  assert.equal(again.stats.diskHits, 1);
  // Outside the raster: OUT_OF_BOUNDS.
  await assert.rejects(promptRaster(tif, { points: [{ x: X(600), y: Y(10) }], coords: 'native' }, opts), (e: unknown) =>
    e instanceof EngineError && e.code === 'OUT_OF_BOUNDS');
});

test('a box in WGS84 (corners from gdaltransform) selects the square it frames', async () => {
  const corners = spawnSync('gdaltransform', ['-s_srs', 'EPSG:32616', '-t_srs', '+proj=longlat +datum=WGS84'], {
    input: `${X(90)} ${Y(440)}\n${X(250)} ${Y(314)}\n`, encoding: 'utf8',
  });
  assert.equal(corners.status, 0, corners.stderr);
  const [[lon0, lat0], [lon1, lat1]] = corners.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  // box pixels 90..250 × 314..440 around the magenta square (96..208 × 320..432), WGS84 output
  const r = await promptRaster(tif, { boxes: [[Math.min(lon0, lon1), Math.min(lat0, lat1), Math.max(lon0, lon1), Math.max(lat0, lat1)]], coords: 'EPSG:4326' },
    { model, tileSize: 512, regularize: false, minArea: 0 });
  assert.equal(r.collection.features.length, 1);
  const f = r.collection.features[0];
  assert.equal(f.properties.area_m2, areaOf(112));
  const ring = (f.geometry.coordinates as number[][][])[0];
  assert.ok(ring.every(([lon, lat]) => lon > -85 && lon < -84 && lat > 33 && lat < 34), 'WGS84 output');
});

test('text: "red" selects a red square, "blue" the magenta one (fixture CLIP); embeddings are cached', async () => {
  const clip = await openClip({ vision: fixtureClipVision(), text: fixtureClipText(), bpe: sharedData('clip/bpe_simple_vocab_16e6.txt.gz') });
  const embeddingCache = createEmbeddingCache({ dir: null });
  const tileCache = createTileCache({ dir: null });
  const opts = { model, tileSize: 512, crs: 'native' as const, regularize: false, minArea: 0, clip, embeddingCache, tileCache };
  const blue = await promptRaster(tif, { text: 'a blue roof' }, opts);
  assert.deepEqual(blue.collection.features.map((f) => [f.properties.area_m2, f.properties.prompt]), [[areaOf(112), 'text: a blue roof']]);
  const bb = (blue.collection.features[0].geometry.coordinates as number[][][])[0];
  assert.deepEqual([Math.min(...bb.map((p) => p[0])), Math.max(...bb.map((p) => p[1]))], [X(96), Y(320)]);
  const red = await promptRaster(tif, { text: 'red', threshold: 0.9 }, opts);
  assert.deepEqual(red.collection.features.map((f) => f.properties.area_m2).sort(), [areaOf(112), areaOf(56)].sort());
  assert.ok(red.collection.features.every((f) => (f.properties.score as number) > 0.99));
  assert.equal(red.cached, true);
  assert.equal(embeddingCache.stats.memoryHits, 1); // the second prompt reused the tile's crop embeddings
  await assert.rejects(promptRaster(tif, { text: 'red' }, { model, tileSize: 512 }), (e: unknown) =>
    e instanceof EngineError && e.code === 'MODEL_MISSING');
  await assert.rejects(promptRaster(tif, {}, { model }), /expected exactly one of points, boxes or text/);
  await clip.dispose();
});
