// Output formats through outside readers: GDAL/OGR (ogrinfo, ogr2ogr) opens the GeoPackage, FlatGeobuf
// and GeoJSON that `vectorize` writes for the GDAL-burnt SpaceNet footprints, and reports the CRS, the
// feature count, the field types and the same geometries (areas within 1e-6 relative) as the GeoJSON
// of the same run; pyarrow + geopandas check the GeoParquet file and its `geo` metadata (Debian's GDAL
// 3.6 has no Parquet driver). Bad outputs (unknown extension, missing directory, a directory, the
// input itself) are clear errors that leave no file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, sharedData } from '../testing/shared-data.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { openFeatureSink, writeFeatures } from './sink.js';
import { EXTRACT_FIELDS } from './fields.js';
import { fromEpsg } from '../geo/crs.js';
import { EngineError } from '../errors.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { writeFileSync } from 'node:fs';

const CLI = path.join(REPO_ROOT, 'bin', 'fastsam-geo.js');
const VENV_PY = path.join(REPO_ROOT, '.venv', 'bin', 'python');
let dir: string;
let burnt: string;

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Shoelace area of a GeoJSON Polygon/MultiPolygon (outer minus holes). */
function area(g: { type: string; coordinates: number[][][] | number[][][][] }): number {
  const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as number[][][][];
  let a = 0;
  for (const p of polys) {
    p.forEach((ring, k) => {
      let s = 0;
      for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
      a += (k === 0 ? 1 : -1) * Math.abs(s / 2);
    });
  }
  return a;
}

/** GDAL's reading of a file: ogr2ogr to GeoJSON in EPSG:32616, features by id. */
function viaOgr(file: string): Map<number, number> {
  const out = path.join(dir, `ogr-${path.basename(file)}.geojson`);
  rmSync(out, { force: true });
  run('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', 'EPSG:32616', out, file]);
  const fc = JSON.parse(readFileSync(out, 'utf8'));
  // GDAL turns a GeoJSON "id" property equal to the feature id into the FID.
  return new Map(fc.features.map((f: { id?: number; properties: { id?: number }; geometry: never }) => [f.properties.id ?? f.id, area(f.geometry)]));
}

before(() => {
  dir = tmpDir('fsg-formats-');
  burnt = path.join(dir, 'burnt.tif');
  run('gdal_rasterize', ['-q', '-burn', '255', '-ot', 'Byte', '-init', '0', '-te', '733601', '3724689', '734051', '3725139', '-tr', '0.5', '0.5',
    '-a_srs', 'EPSG:32616', sharedData('geotiff/spacenet-atlanta/geotiff_labels.geojson'), burnt]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('vectorize → .gpkg/.fgb/.parquet in the raster CRS: GDAL and pyarrow read the same polygons as the GeoJSON of the run', () => {
  for (const ext of ['geojson', 'gpkg', 'fgb', 'parquet']) run(process.execPath, [CLI, 'vectorize', burnt, '-q', '-o', path.join(dir, `v.${ext}`)]);
  run(process.execPath, [CLI, 'vectorize', burnt, '-q', '--crs', 'native', '-o', path.join(dir, 'v-native.geojson')]);
  const ref = JSON.parse(readFileSync(path.join(dir, 'v-native.geojson'), 'utf8'));
  const ours = new Map<number, number>(ref.features.map((f: { properties: { id: number }; geometry: never }) => [f.properties.id, area(f.geometry)]));
  assert.ok(ours.size > 40, `vectorize found ${ours.size} polygons`);
  // The default GeoJSON is RFC 7946 WGS84 (no crs member); the others carry EPSG:32616.
  const wgs = JSON.parse(readFileSync(path.join(dir, 'v.geojson'), 'utf8'));
  assert.equal(wgs.crs, undefined);
  assert.ok(Math.abs(wgs.features[0].geometry.coordinates[0][0][0] + 84.39) < 0.1, 'lon/lat coordinates');
  for (const ext of ['gpkg', 'fgb']) {
    const file = path.join(dir, `v.${ext}`);
    const info = run('ogrinfo', ['-so', '-al', file]);
    assert.match(info, new RegExp(`Feature Count: ${ours.size}\\b`), `${ext}: ${info}`);
    assert.match(info, /ID\["EPSG",32616\]\]\s*$/m, `${ext} CRS`);
    assert.match(info, /Geometry: Multi Polygon/);
    for (const f of ['id: Integer64', 'area_m2: Real', 'pixels: Integer64', 'source: String', 'regularized: Integer\\(Boolean\\)']) {
      assert.match(info, new RegExp(f), `${ext} field ${f}`);
    }
    const theirs = viaOgr(file);
    assert.equal(theirs.size, ours.size);
    for (const [id, a] of ours) assert.ok(Math.abs(theirs.get(id)! - a) <= 1e-6 * a, `${ext} #${id}: ${theirs.get(id)} vs ${a}`);
  }
  // The WGS84 GeoJSON, reprojected by GDAL, has the same areas to its 1e-9° (~0.1 mm) rounding
  // (1e-4 relative, 1e-3 m² absolute for the one-pixel speck).
  const back = viaOgr(path.join(dir, 'v.geojson'));
  for (const [id, a] of ours) assert.ok(Math.abs(back.get(id)! - a) <= 1e-4 * a + 1e-3, `geojson #${id}: ${back.get(id)} vs ${a}`);

  const py = spawnSync(VENV_PY, ['-c', `
import json, sys
import pyarrow.parquet as pq, geopandas as gpd
f = pq.ParquetFile(sys.argv[1])
geo = json.loads(f.metadata.metadata[b'geo'])
col = geo['columns']['geometry']
assert geo['version'] == '1.1.0' and geo['primary_column'] == 'geometry', geo
assert col['encoding'] == 'WKB' and set(col['geometry_types']) <= {'Polygon', 'MultiPolygon'}, col
assert col['covering']['bbox']['xmin'] == ['bbox', 'xmin'], col
schema = f.schema_arrow
assert str(schema.field('geometry').type) == 'binary'
assert [x.name for x in schema.field('bbox').type] == ['xmin', 'ymin', 'xmax', 'ymax']
g = gpd.read_parquet(sys.argv[1])
assert g.crs.to_epsg() == 32616, g.crs
bb = f.read(columns=['bbox']).column('bbox').combine_chunks()
b = g.geometry.bounds
for k, c in (('xmin', 'minx'), ('ymin', 'miny'), ('xmax', 'maxx'), ('ymax', 'maxy')):
    assert max(abs(x - y) for x, y in zip(bb.field(k).to_pylist(), b[c].tolist())) < 1e-9, k
print(json.dumps({'types': {c: str(t) for c, t in zip(schema.names, schema.types)}, 'areas': dict(zip(g['id'].tolist(), g.area.tolist()))}))
`, path.join(dir, 'v.parquet')], { encoding: 'utf8' });
  assert.equal(py.status, 0, `${VENV_PY} with pyarrow + geopandas (bash scripts/setup-python.sh): ${py.stderr}`);
  const pq = JSON.parse(py.stdout);
  assert.deepEqual(pq.types, { id: 'int64', area_m2: 'double', pixels: 'int64', source: 'string', regularized: 'bool', geometry: 'binary', bbox: pq.types.bbox });
  assert.equal(Object.keys(pq.areas).length, ours.size);
  for (const [id, a] of ours) assert.ok(Math.abs(pq.areas[id] - a) <= 1e-6 * a, `parquet #${id}`);
});

test('an empty layer is a valid file in every format', async () => {
  for (const ext of ['geojson', 'gpkg', 'fgb', 'parquet']) {
    const file = path.join(dir, `empty.${ext}`);
    const r = await writeFeatures(file, [], { crs: fromEpsg(32616), fields: EXTRACT_FIELDS });
    assert.equal(r.features, 0);
    if (ext !== 'parquet') assert.match(run('ogrinfo', ['-so', '-al', file]), /Feature Count: 0/);
  }
  const py = spawnSync(VENV_PY, ['-c', 'import sys, geopandas as gpd; g = gpd.read_parquet(sys.argv[1]); print(len(g), g.crs.to_epsg())', path.join(dir, 'empty.parquet')], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  assert.equal(py.stdout.trim(), '0 32616');
});

test('bad outputs are clear errors and leave no file', async () => {
  const sub = path.join(dir, 'bad');
  mkdirSync(sub);
  mkdirSync(path.join(sub, 'adir.gpkg'));
  const opts = { crs: fromEpsg(32616), fields: EXTRACT_FIELDS };
  await assert.rejects(openFeatureSink(path.join(sub, 'x.shp'), opts), (e: EngineError) => e.code === 'BAD_INPUT' && /unknown extension ".shp"/.test(e.message));
  await assert.rejects(openFeatureSink(path.join(sub, 'x.gpkg'), { ...opts, format: 'kml' }), (e: EngineError) => e.code === 'BAD_INPUT' && /--format/.test(e.message));
  await assert.rejects(openFeatureSink(path.join(sub, 'nodir', 'x.fgb'), opts), (e: EngineError) => e.code === 'NOT_FOUND');
  await assert.rejects(openFeatureSink(path.join(sub, 'adir.gpkg'), opts), (e: EngineError) => e.code === 'BAD_INPUT' && /is a directory/.test(e.message));
  // A point cannot go in a polygon layer: the sink aborts and removes its temp file.
  for (const ext of ['gpkg', 'fgb', 'parquet']) {
    const sink = await openFeatureSink(path.join(sub, `p.${ext}`), opts);
    await sink.write({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] }, properties: {} });
    await assert.rejects(sink.write({ type: 'Feature', geometry: { type: 'Point', coordinates: [0, 0] } as never, properties: {} }), (e: EngineError) => e.code === 'BAD_INPUT');
  }
  // The CLI: unknown extension and output = input fail before any work, with exit code 1 and no file.
  const r1 = spawnSync(process.execPath, [CLI, 'vectorize', burnt, '-o', path.join(sub, 'v.kml')], { encoding: 'utf8' });
  assert.equal(r1.status, 1);
  assert.match(r1.stderr, /unknown extension ".kml"/);
  const r2 = spawnSync(process.execPath, [CLI, 'vectorize', burnt, '-o', burnt, '--format', 'gpkg'], { encoding: 'utf8' });
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /also an input|is the input/);
  assert.deepEqual(readdirSync(sub).sort(), ['adir.gpkg']);
  assert.ok(existsSync(burnt));
});

test('extract → .gpkg/.fgb/.parquet (fixture model, red squares): the raster CRS, extract\'s typed columns, the same areas as its native GeoJSON', () => {
  const squares: [number, number, number][] = [[64, 64, 56], [288, 64, 112], [64, 256, 224]];
  const tif = path.join(dir, 'squares.tif');
  writeGeoTiff(tif, { width: 512, height: 512, bands: squaresBands(512, 512, squares), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
  const onnx = path.join(dir, 'fixture.onnx');
  writeFileSync(onnx, buildFixtureSegModel());
  const ex = (out: string, ...more: string[]): string => run(process.execPath, [CLI, 'extract', tif, '--model', onnx, '--tile-size', '512', '-q', '-o', out, ...more]);
  ex(path.join(dir, 'e-native.geojson'), '--crs', 'native');
  const ref = JSON.parse(readFileSync(path.join(dir, 'e-native.geojson'), 'utf8'));
  assert.equal(ref.features.length, 3);
  for (const ext of ['gpkg', 'fgb']) {
    const file = path.join(dir, `e.${ext}`);
    ex(file);
    const info = run('ogrinfo', ['-so', '-al', file]);
    assert.match(info, /Feature Count: 3\b/);
    assert.match(info, /ID\["EPSG",32616\]\]\s*$/m);
    for (const f of ['id: Integer64', 'score: Real', 'area_m2: Real', 'tile: Integer64', 'source: String', 'regularized: Integer\\(Boolean\\)']) assert.match(info, new RegExp(f), `${ext} ${f}`);
    const theirs = viaOgr(file);
    for (const f of ref.features) {
      const a = area(f.geometry);
      assert.ok(Math.abs(theirs.get(f.properties.id)! - a) <= 1e-6 * a, `${ext} #${f.properties.id}`);
    }
  }
  ex(path.join(dir, 'e.parquet'));
  const py = spawnSync(VENV_PY, ['-c', 'import sys, json, geopandas as gpd; g = gpd.read_parquet(sys.argv[1]); print(json.dumps([g.crs.to_epsg(), dict(zip(g["id"].tolist(), g.area.tolist())), str(g["score"].dtype), str(g["regularized"].dtype)]))', path.join(dir, 'e.parquet')], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const [epsg, areas, scoreType, regType] = JSON.parse(py.stdout);
  assert.deepEqual([epsg, scoreType, regType], [32616, 'float64', 'bool']);
  for (const f of ref.features) assert.ok(Math.abs(areas[f.properties.id] - area(f.geometry)) <= 1e-6 * area(f.geometry));
});
