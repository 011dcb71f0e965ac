/**
 * Shared walls checked from outside: hand-made label rasters (terraced rows of 3–8 houses, straight and
 * rotated 17°, with jittered edges and one-pixel gaps; an L-row; a courtyard block) written by GDAL,
 * vectorized with --regularize, then measured with GEOS through GDAL/OGR (Debian's python3-gdal), not
 * with the code under test: for every pair of houses that share a wall in the raster the intersection
 * is a line (overlap area 0), no gap wider than 1e-6 m opens anywhere, every corner is 90° ± 0.5°, each
 * house keeps its area within 10 % and IoU ≥ 0.85 with its traced outline, and a row has one orientation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { vectorizeRaster } from '../pipeline/vectorize-raster.js';
import { gdalPolygonize, tmpDir } from '../testing/raster-fixtures.js';
import { writeGeoTiff } from '../testing/write-geotiff.js';
import { courtyardBlock, lRow, rasterizeHouses, rng, terracedRowScene } from '../testing/terraced.js';
import type { Scene } from '../testing/terraced.js';
import { assertWalls, wallReport } from '../testing/wall-check.js';
import type { WallReport } from '../testing/wall-check.js';

const dir = tmpDir('fsg-walls-');
const GT: [number, number, number, number, number, number] = [733601, 0.5, 0, 3725139, 0, -0.5];

async function check(name: string, scene: Scene, sharedWalls = true): Promise<WallReport> {
  const tif = path.join(dir, `${name}.tif`);
  writeGeoTiff(tif, { width: scene.width, height: scene.height, bands: [scene.labels], geotransform: GT, epsg: 32616, nodata: 0 });
  const raw = await vectorizeRaster(tif, { crs: 'native' });
  const reg = await vectorizeRaster(tif, { crs: 'native', regularize: true, sharedWalls });
  const values = new Set(raw.collection.features.map((f) => f.properties.value));
  assert.equal(values.size, raw.collection.features.length, `${name}: one polygon per house`);
  return wallReport(dir, name, raw.collection, reg.collection, scene.neighbours);
}

test('terraced rows of 3–8 houses, axis-aligned and rotated 17°, jittered edges and one-pixel gaps: walls shared exactly (GEOS)', async () => {
  for (const deg of [0, 17]) {
    for (let n = 3; n <= 8; n++) {
      const scene = terracedRowScene(n, deg, 1000 + n * 7 + deg);
      assert.ok(scene.neighbours.length >= n - 1, `row of ${n} at ${deg}°: ${scene.neighbours.length} walls in the raster`);
      const r = await check(`row${n}-${deg}`, scene);
      assertWalls(`row of ${n} at ${deg}°`, r, n);
      assert.equal(r.holes, 0, `row of ${n} at ${deg}°: holes in the row`);
    }
  }
});

test('an L-row and a courtyard block (straight and at 17°): walls shared, the courtyard stays one hole', async () => {
  for (const deg of [0, 17]) {
    const rand = rng(77 + deg);
    const l = lRow(4, 3, 40, 40, rand);
    const rl = await check(`lrow-${deg}`, rasterizeHouses(200, 200, l, deg, 5 + deg, 0.7, [[1, 2]]));
    assertWalls(`L-row at ${deg}°`, rl, 7);
    assert.equal(rl.holes, 0);
    const c = courtyardBlock(4, 3, 45, 45, rng(91 + deg));
    const rc = await check(`courtyard-${deg}`, rasterizeHouses(220, 220, c, deg, 9 + deg, 0.7));
    assertWalls(`courtyard at ${deg}°`, rc, c.length);
    assert.equal(rc.holes, 1, 'one courtyard');
  }
});

test('without shared walls (--no-shared-walls) the rotated rows open gaps or overlap: the GEOS check sees it', async () => {
  let broken = 0;
  for (let n = 3; n <= 8; n++) {
    const r = await check(`row${n}-17-off`, terracedRowScene(n, 17, 1000 + n * 7 + 17), false);
    broken += r.pairs.filter((p) => p.area > 1e-6).length;
  }
  assert.ok(broken > 0, 'per-building regularization should break some walls');
});

test('a label raster: one polygon per value, as gdal_polygonize (touching values no longer merge)', async () => {
  const scene = terracedRowScene(5, 0, 42);
  const tif = path.join(dir, 'labels-5.tif');
  writeGeoTiff(tif, { width: scene.width, height: scene.height, bands: [scene.labels], geotransform: GT, epsg: 32616, nodata: 0 });
  const ours = (await vectorizeRaster(tif, { crs: 'native' })).collection.features;
  const ref = gdalPolygonize(tif, dir);
  assert.equal(ours.length, ref.length, `ours ${ours.length}, GDAL ${ref.length}`);
  assert.equal(ours.length, 5);
  const areas = (fs: any[]): number[] => fs.map((f) => f.properties.area_m2 ?? null).filter((a) => a !== null).sort((a, b) => a - b);
  const pixels = [...new Set(scene.labels)].filter((v) => v).map((v) => scene.labels.filter((x) => x === v).length * 0.25).sort((a, b) => a - b);
  assert.deepEqual(areas(ours), pixels);
});

const VALIDITY = String.raw`
import json, sys
from osgeo import ogr
fc = json.load(open(sys.argv[1]))
g = [ogr.CreateGeometryFromJson(json.dumps(f["geometry"])) for f in fc["features"]]
bad = [k for k, x in enumerate(g) if not x.IsValid()]
over = [(i, j, g[i].Intersection(g[j]).GetArea()) for i in range(len(g)) for j in range(i + 1, len(g)) if g[i].Intersects(g[j]) and g[i].Intersection(g[j]).GetArea() > 1e-9]
print(json.dumps({"invalid": bad, "overlaps": over}))
`;

test('random blocks of touching labels (cells of 6–14 px, jittered): every polygon valid, no two overlap (GEOS)', async () => {
  const rand = rng(31337);
  for (let n = 0; n < 6; n++) {
    const cols = 3 + Math.floor(rand() * 3), rows = 2 + Math.floor(rand() * 3);
    const xs = [10], ys = [10];
    for (let c = 0; c < cols; c++) xs.push(xs[c] + 6 + Math.floor(rand() * 9));
    for (let r = 0; r < rows; r++) ys.push(ys[r] + 6 + Math.floor(rand() * 9));
    const w = xs[cols] + 10, h = ys[rows] + 10;
    const cell = Array.from({ length: rows * cols }, () => Math.floor(rand() * (rows * cols)) + 1);
    const v = new Uint16Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const jx = x + (rand() < 0.15 ? (rand() < 0.5 ? -1 : 1) : 0);
        const c = xs.findIndex((a, i) => i < cols && jx >= a && jx < xs[i + 1]);
        const r = ys.findIndex((a, i) => i < rows && y >= a && y < ys[i + 1]);
        if (c >= 0 && r >= 0) v[y * w + x] = cell[r * cols + c];
      }
    }
    const tif = path.join(dir, `blocks-${n}.tif`);
    writeGeoTiff(tif, { width: w, height: h, bands: [v], geotransform: GT, epsg: 32616, nodata: 0 });
    const reg = await vectorizeRaster(tif, { crs: 'native', regularize: true });
    const f = path.join(dir, `blocks-${n}.geojson`);
    writeFileSync(f, JSON.stringify(reg.collection));
    const py = spawnSync('/usr/bin/python3', ['-c', VALIDITY, f], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const r = JSON.parse(py.stdout);
    assert.deepEqual(r.invalid, [], `blocks ${n}: invalid polygons`);
    assert.deepEqual(r.overlaps, [], `blocks ${n}: overlapping polygons`);
  }
});
