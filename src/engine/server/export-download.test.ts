// POST /api/export with download: true answers the file's bytes (the map's Download as .fgb /
// .parquet / .gpkg) and leaves nothing in the root. The bytes are read back by GDAL (ogrinfo).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../testing/server.js';
import { tmpDir } from '../testing/raster-fixtures.js';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(() => t.close());

test('download: the FlatGeobuf bytes come back (GDAL reads 3 features), no file is written in the root', async () => {
  const fc = {
    type: 'FeatureCollection',
    features: [0, 1, 2].map((i) => ({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]] },
      properties: { id: i + 1, score: 0.9 },
    })),
  };
  const before = readdirSync(t.root);
  const res = await t.api('/api/export', { method: 'POST', json: { path: '../x/area-buildings.fgb', collection: fc, download: true } });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  assert.match(res.headers.get('content-disposition') ?? '', /filename="area-buildings\.fgb"/);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual(readdirSync(t.root), before);
  const dir = tmpDir('fsg-dl-test-');
  try {
    const f = path.join(dir, 'got.fgb');
    writeFileSync(f, bytes);
    const r = spawnSync('ogrinfo', ['-so', '-al', f], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Feature Count: 3/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
