// Regression (issue 18): POST /api/export through an in-root symlink (link.geojson → raster.tif,
// overwrite: true) replaced the raster with JSON; error messages showed the server's absolute root.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../testing/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
  writeFileSync(path.join(t.root, 'raster.tif'), 'precious raster');
  symlinkSync('raster.tif', path.join(t.root, 'link.geojson'));
  symlinkSync(path.join(t.root, 'raster.tif'), path.join(t.root, 'abs-link.geojson'));
  symlinkSync('missing.tif', path.join(t.root, 'dangling.geojson'));
  mkdirSync(path.join(t.root, 'dir.geojson'));
  execFileSync('mkfifo', [path.join(t.root, 'fifo.geojson')]);
});
after(() => t.close());

const fc = { type: 'FeatureCollection', features: [] };

test('export never writes through a symlink, onto a directory or a FIFO, whatever overwrite says', async () => {
  for (const p of ['link.geojson', 'abs-link.geojson', 'dangling.geojson', 'dir.geojson', 'fifo.geojson', 'dir.geojson/.', './link.geojson']) {
    for (const overwrite of [false, true]) {
      const res = await t.api('/api/export', { method: 'POST', json: { path: p, collection: fc, overwrite } });
      const body = await res.json() as { error?: { code: string; message: string } };
      assert.ok(res.status >= 400 && res.status < 500, `${p} ${overwrite}: ${res.status} ${JSON.stringify(body)}`);
      assert.ok(!body.error!.message.includes(t.root), `message shows the root: ${body.error!.message}`);
    }
  }
  assert.equal(readFileSync(path.join(t.root, 'raster.tif'), 'utf8'), 'precious raster');
  assert.deepEqual(readdirSync(t.root).sort(), ['abs-link.geojson', 'dangling.geojson', 'dir.geojson', 'fifo.geojson', 'link.geojson', 'raster.tif']);
});

test('error messages name paths relative to the root, never its absolute path', async () => {
  for (const [p, init] of [
    ['/api/raster?path=raster.tif', {}],
    ['/api/raster?path=nope.tif', {}],
    ['/api/jobs', { method: 'POST', json: { path: 'raster.tif' } }],
    ['/api/export', { method: 'POST', json: { path: 'no/such/dir.geojson', collection: fc } }],
  ] as const) {
    const res = await t.api(p, init as RequestInit & { json?: unknown });
    const text = await res.text();
    assert.ok(res.status >= 400, `${p}: ${res.status}`);
    assert.ok(!text.includes(t.root), `${p}: ${text}`);
  }
});
