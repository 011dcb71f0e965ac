// POST /api/export on the real server: the file is written inside the root, atomically.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../testing/server.js';

let t: TestServer;
before(async () => { t = await startTestServer(); mkdirSync(path.join(t.root, 'out')); });
after(() => t.close());

function collection(n: number, tag = 'a') {
  return {
    type: 'FeatureCollection',
    features: Array.from({ length: n }, (_, i) => ({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]] },
      properties: { id: `${tag}-${i}`, score: 0.9, area_m2: 12.5 },
    })),
  };
}

test('export writes the collection inside the root and answers {path, features}', async () => {
  const fc = collection(3);
  const res = await t.api('/api/export', { method: 'POST', json: { path: 'out/buildings.geojson', collection: fc } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { path: 'out/buildings.geojson', features: 3, format: 'geojson' });
  assert.deepEqual(JSON.parse(readFileSync(path.join(t.root, 'out', 'buildings.geojson'), 'utf8')), fc);
  assert.deepEqual(readdirSync(path.join(t.root, 'out')), ['buildings.geojson']);
});

test('an existing file is kept unless overwrite is true', async () => {
  const f = path.join(t.root, 'out', 'keep.geojson');
  writeFileSync(f, 'old');
  const res = await t.api('/api/export', { method: 'POST', json: { path: 'out/keep.geojson', collection: collection(1) } });
  assert.equal(res.status, 400);
  const body = await res.json() as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'BAD_INPUT');
  assert.match(body.error.message, /exists/);
  assert.equal(readFileSync(f, 'utf8'), 'old');
  const ok = await t.api('/api/export', { method: 'POST', json: { path: 'out/keep.geojson', collection: collection(2), overwrite: true } });
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(readFileSync(f, 'utf8')).features.length, 2);
});

test('a reader never sees a partial file while large exports replace it', async () => {
  const f = path.join(t.root, 'out', 'big.geojson');
  const sizes = [4000, 6000];
  let reads = 0;
  let stop = false;
  const reader = (async () => {
    while (!stop) {
      const text = await fsp.readFile(f, 'utf8').catch(() => null);
      if (text !== null) {
        const fc = JSON.parse(text); // throws on a partial file
        assert.ok(sizes.includes(fc.features.length), `unexpected feature count ${fc.features.length}`);
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  for (let i = 0; i < 10; i++) {
    const res = await t.api('/api/export', { method: 'POST', json: { path: 'out/big.geojson', collection: collection(sizes[i % 2], `r${i}`), overwrite: true } });
    assert.equal(res.status, 200);
  }
  stop = true;
  await reader;
  assert.ok(reads > 0, 'the reader read the file at least once');
  assert.deepEqual(readdirSync(path.join(t.root, 'out')).filter((n) => n.includes('big')), ['big.geojson'], 'no temp file is left');
});

test('a failed export (target is a directory) leaves no file and no temp file behind', async () => {
  mkdirSync(path.join(t.root, 'out', 'dir.geojson'));
  const before = readdirSync(path.join(t.root, 'out')).sort();
  const res = await t.api('/api/export', { method: 'POST', json: { path: 'out/dir.geojson', collection: collection(1), overwrite: true } });
  assert.equal(res.status, 400);
  const body = await res.json() as { error: { code: string; message: string } };
  assert.match(body.error.message, /is a directory/);
  assert.deepEqual(readdirSync(path.join(t.root, 'out')).sort(), before);
  assert.ok(!existsSync(path.join(t.root, 'out', 'dir.geojson', 'x')));
  const missingDir = await t.api('/api/export', { method: 'POST', json: { path: 'nodir/x.geojson', collection: collection(1) } });
  assert.equal(missingDir.status, 404);
});

test('export writes .gpkg, .fgb and .parquet (format from the extension) that GDAL / pyarrow open; an unknown extension is refused', async () => {
  const { spawnSync } = await import('node:child_process');
  const fc = collection(3);
  for (const ext of ['gpkg', 'fgb']) {
    const res = await t.api('/api/export', { method: 'POST', json: { path: `out/layer.${ext}`, collection: fc } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { path: `out/layer.${ext}`, features: 3, format: ext });
    const info = spawnSync('ogrinfo', ['-so', '-al', path.join(t.root, 'out', `layer.${ext}`)], { encoding: 'utf8' });
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /Feature Count: 3/);
    assert.match(info.stdout, /ID\["EPSG",4326\]\]/);
    assert.match(info.stdout, /score: Real/);
  }
  const pq = await t.api('/api/export', { method: 'POST', json: { path: 'out/layer.parquet', collection: fc } });
  assert.equal(pq.status, 200);
  assert.ok(readFileSync(path.join(t.root, 'out', 'layer.parquet')).subarray(0, 4).equals(Buffer.from('PAR1')));
  const bad = await t.api('/api/export', { method: 'POST', json: { path: 'out/layer.shp', collection: fc } });
  assert.equal(bad.status, 400);
  assert.ok(!existsSync(path.join(t.root, 'out', 'layer.shp')));
});
