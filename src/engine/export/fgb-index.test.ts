/**
 * FlatGeobuf's packed Hilbert R-tree, read by GDAL (python3-gdal's OGR): for layers of 1, 16, 17 (two
 * levels) and 5,000 features (four), GDAL reports the fast spatial filter (the index is there), reads
 * every feature with its attributes, and a rectangle filter (which walks the index) returns exactly the
 * features a brute-force box test finds; an empty layer and `spatialIndex: false` have no index.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openFeatureSink } from './sink.js';
import { readFgb } from './fgb.js';
import { fromEpsg } from '../geo/crs.js';
import type { Feature } from './geojson.js';
import { tmpDir } from '../testing/raster-fixtures.js';

// The system python3 (python3-gdal; the tests' PATH may lead to the project's .venv first).
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const dir = tmpDir('fsg-fgbidx-');
after(() => rmSync(dir, { recursive: true, force: true }));

function rects(n: number): { features: Feature[]; boxes: number[][] } {
  let seed = 9;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const features: Feature[] = [];
  const boxes: number[][] = [];
  for (let k = 0; k < n; k++) {
    const x = 733601 + rnd() * 3000, y = 3722000 + rnd() * 3000, w = 5 + rnd() * 20, h = 5 + rnd() * 20;
    boxes.push([x, y, x + w, y + h]);
    features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]] }, properties: { id: k + 1, name: `b${k + 1}` } });
  }
  return { features, boxes };
}

const OGR = `
import sys, json
from osgeo import ogr
ogr.UseExceptions()
ds = ogr.Open(sys.argv[1])
lyr = ds.GetLayer(0)
out = {'fast': bool(lyr.TestCapability(ogr.OLCFastSpatialFilter)), 'count': lyr.GetFeatureCount()}
out['all'] = sorted((f.GetField('id'), f.GetField('name')) for f in lyr)
out['order'] = [f.GetField('id') for f in lyr]
hits = []
for w in json.loads(sys.argv[2]):
    lyr.SetSpatialFilterRect(*w)
    hits.append(sorted(f.GetField('id') for f in lyr))
    lyr.SetSpatialFilter(None)
out['hits'] = hits
print(json.dumps(out))
`;

const WINDOWS = [[733601, 3722000, 733900, 3722300], [734500.5, 3723500.5, 734530.5, 3723530.5], [733000, 3721000, 737000, 3726000], [0, 0, 1, 1], [735000, 3724000, 736000, 3724700]];

function ogr(file: string): { fast: boolean; count: number; all: [number, string][]; order: number[]; hits: number[][] } {
  const r = spawnSync(PY, ['-c', OGR, file, JSON.stringify(WINDOWS)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('FlatGeobuf index: GDAL uses it and a window through it finds what a brute-force test finds (1, 16, 17, 5000 features)', async () => {
  for (const n of [1, 16, 17, 5000]) {
    const { features, boxes } = rects(n);
    const file = path.join(dir, `l${n}.fgb`);
    const sink = await openFeatureSink(file, { crs: fromEpsg(32616), fields: [{ name: 'id', type: 'integer' }, { name: 'name', type: 'text' }] });
    for (const f of features) await sink.write(f);
    await sink.close();
    const r = ogr(file);
    assert.equal(r.fast, true, `${n}: GDAL sees the index`);
    assert.equal(r.count, n);
    assert.deepEqual(r.all, features.map((f) => [f.properties.id, f.properties.name]));
    WINDOWS.forEach((w, i) => {
      const brute = boxes.map((b, k) => (b[2] >= w[0] && b[0] <= w[2] && b[3] >= w[1] && b[1] <= w[3] ? k + 1 : 0)).filter((k) => k > 0);
      assert.deepEqual(r.hits[i], brute, `${n}: window ${i}`);
    });
    // The package's own reader (evaluate reads .fgb with it) skips the index and gets every feature.
    const back = await readFgb(file);
    assert.equal(back.features.length, n);
    assert.equal(back.epsg, 32616);
  }
});

test('FlatGeobuf without index: an empty layer, and spatialIndex: false keeps the written order', async () => {
  const empty = path.join(dir, 'empty.fgb');
  await (await openFeatureSink(empty, { crs: fromEpsg(32616), fields: [{ name: 'id', type: 'integer' }, { name: 'name', type: 'text' }] })).close();
  const e = ogr(empty);
  assert.equal(e.count, 0);
  const { features } = rects(300);
  const file = path.join(dir, 'plain.fgb');
  const sink = await openFeatureSink(file, { crs: fromEpsg(32616), fields: [{ name: 'id', type: 'integer' }, { name: 'name', type: 'text' }], spatialIndex: false });
  for (const f of features) await sink.write(f);
  await sink.close();
  const r = ogr(file);
  assert.equal(r.fast, false);
  assert.deepEqual(r.order, features.map((_, k) => k + 1));
});
