/**
 * End to end with the spine's deterministic fixture model (red squares → exact detections) on rasters
 * written by GDAL: tiling is invisible, dtypes and band choices give the same buildings, real rasters run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { extract } from './extract.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { sharedData, tmpDir } from '../testing/raster-fixtures.js';
import { bestMatches } from '../testing/iou.js';

const dir = tmpDir();
const model = await loadSegModel(buildFixtureSegModel(), { name: 'fixture' });
// Squares [x, y, side] in pixels; with 512 tiles and overlap 128 the tile starts are 0, 384, 512:
// (480, 96) and (800, 480) cross the 512 edge, (352, 736) the 384 edge, (416, 416) lies in 4 tiles.
const SQUARES: [number, number, number][] = [
  [64, 64, 56], [480, 96, 56], [416, 416, 56], [608, 192, 112], [96, 608, 224], [864, 864, 112], [352, 736, 56], [800, 480, 56],
];
const GT: [number, number, number, number, number, number] = [733601, 0.5, 0, 3725139, 0, -0.5];
const squaresTif = path.join(dir, 'squares.tif');
writeGeoTiff(squaresTif, { width: 1024, height: 1024, bands: squaresBands(1024, 1024, SQUARES), geotransform: GT, epsg: 32616 });

/** The squares as polygons in EPSG:32616 (the truth the fixture model should find). */
const truth = SQUARES.map(([x, y, s]) => {
  const X = (c: number): number => GT[0] + c * GT[1];
  const Y = (r: number): number => GT[3] + r * GT[5];
  return { type: 'Polygon', coordinates: [[[X(x), Y(y)], [X(x + s), Y(y)], [X(x + s), Y(y + s)], [X(x), Y(y + s)], [X(x), Y(y)]]] };
});

test('tiling is invisible: one 1024 tile and nine 512 tiles (overlap 128) give the same buildings, incl. those cut by tile edges', async () => {
  const one = await extract(squaresTif, { model, tileSize: 1024, crs: 'native' });
  const tilesSeen: number[] = [];
  const progress: string[] = [];
  const many = await extract(squaresTif, {
    model, tileSize: 512, overlap: 128, crs: 'native',
    onTile: (t, r) => { tilesSeen.push(t.index); assert.equal(r.image.width, 512); },
    onProgress: (p) => progress.push(`${p.done}/${p.total}`),
  });
  assert.equal(one.tiles, 1);
  assert.equal(many.tiles, 9);
  assert.deepEqual(tilesSeen, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(progress.at(-1), '9/9');
  assert.ok(many.detections > SQUARES.length, `duplicates in the overlaps (${many.detections} detections) were merged`);
  assert.equal(one.buildings, SQUARES.length);
  assert.equal(many.buildings, SQUARES.length);
  const g1 = one.collection.features.map((f) => f.geometry);
  const g9 = many.collection.features.map((f) => f.geometry);
  const m = bestMatches(g1, g9);
  assert.ok(Math.min(...m) >= 0.95, `worst IoU one tile vs nine: ${Math.min(...m)}`);
  // Stable ids: the same id for the same building however it was tiled.
  const byId = (fs: any[]): Map<number, any> => new Map(fs.map((f) => [f.properties.id, f.geometry]));
  const a = byId(one.collection.features);
  const b = byId(many.collection.features);
  for (const [id, g] of a) assert.ok(bestMatches([g], [b.get(id)])[0] >= 0.95, `id ${id} differs`);
  // Against the truth (the squares written into the raster).
  const vsTruth = bestMatches(truth, g9);
  assert.ok(Math.min(...vsTruth) >= 0.95, `worst IoU vs the drawn squares: ${Math.min(...vsTruth)}`);
  for (const f of many.collection.features) {
    assert.equal(f.properties.regularized, true);
    assert.equal(f.properties.source, 'squares.tif');
    assert.ok((f.properties.area_m2 as number) > 700);
  }
  for (const k of ['read', 'model', 'decode', 'vectorize', 'total'] as const) assert.ok(many.timings[k] >= 0);
});

test('dtypes and bands: uint16, int16 and float32 copies (2-98 % stretch) and a single-band choice find the same squares', async () => {
  const [r, g, b] = squaresBands(1024, 1024, SQUARES);
  const scale = <T extends Uint16Array | Int16Array | Float32Array>(make: (n: number) => T, f: (v: number) => number): T[] =>
    [r, g, b].map((band) => { const o = make(band.length); band.forEach((v, i) => (o[i] = f(v))); return o; });
  const variants = {
    uint16: scale((n) => new Uint16Array(n), (v) => v * 40 + 100),
    int16: scale((n) => new Int16Array(n), (v) => v * 20 - 3000),
    float32: scale((n) => new Float32Array(n), (v) => v / 255),
  };
  for (const [name, bands] of Object.entries(variants)) {
    const f = path.join(dir, `squares-${name}.tif`);
    writeGeoTiff(f, { width: 1024, height: 1024, bands, geotransform: GT, epsg: 32616, options: ['TILED=YES', 'COMPRESS=DEFLATE'] });
    const res = await extract(f, { model, tileSize: 1024, crs: 'native' });
    assert.equal(res.stretchFrom, 'full');
    assert.equal(res.buildings, SQUARES.length, `${name}: ${res.buildings} buildings`);
    const m = bestMatches(truth, res.collection.features.map((x) => x.geometry));
    assert.ok(Math.min(...m) >= 0.95, `${name}: worst IoU ${Math.min(...m)}`);
  }
  // Band 1 alone, repeated to gray: no red, so the fixture sees nothing (the band choice is honoured).
  const gray = await extract(squaresTif, { model, tileSize: 512, bands: [1] });
  assert.equal(gray.buildings, 0);
  // Bands 1,2,3 given explicitly = default.
  assert.equal((await extract(squaresTif, { model, tileSize: 512, bands: [1, 2, 3] })).buildings, SQUARES.length);
});

test('real rasters run end to end: uint16 SpaceNet (stretch from its values), RGB UTM, British National Grid and Web Mercator', async () => {
  const sn = await extract(sharedData('geotiff/spacenet-atlanta/sample_geotiff.tif'), { model, tileSize: 512 });
  assert.equal(sn.tiles, 9); // 900 px with 512 tiles and ≥ 128 overlap: starts 0, 384, 388
  const [lo, hi] = sn.stretch[0];
  assert.ok(lo >= 54 && hi <= 6615 && hi > lo, `stretch ${lo}..${hi} within the tile's values 54..6615`);
  assert.equal(sn.collection.type, 'FeatureCollection');
  for (const rel of ['geotiff/rotterdam/rgb_unmasked.tif', 'geotiff/sentinel2-uk/rgb_fast_sam_test.tif', 'geotiff/sentinel2-uk/rgb_fastsam_web.tif']) {
    const r = await extract(sharedData(rel), { model, tileSize: 256, overlap: 64 });
    assert.ok(r.tiles >= 1, rel);
    assert.equal(r.stretchFrom, 'none (uint8)');
    assert.deepEqual(r.warnings, []);
  }
});
