// Regression: on a raster without georeferencing, "Everything in view" failed with "give a pixel
// window", which a map user cannot do. The map now sends its view as an extent in raster pixels
// (crs "pixel", x right, y down); the job and prompts accept it and answer in pixel coordinates.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { writePng } from '../image/io.js';
import { squaresImage } from '../testing/fixture-seg-model.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { SIZE, SQUARES, writeFixtureModel } from '../testing/server-data.js';

const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function bbox(ring: number[][]): number[] {
  const xs = ring.map((c) => c[0]);
  const ys = ring.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

test('a job and a point prompt on an ungeoreferenced raster take an extent in pixels and answer in pixels', async () => {
  const models = tmpDir('fsg-pixel-models-');
  const t = await startTestServer({ backendOptions: { model: writeFixtureModel(models), cacheDir: null } });
  servers.push(t);
  // a plain TIFF (GDAL from a PNG: no geotransform, no CRS)
  const png = path.join(t.root, '.squares.png');
  await writePng(squaresImage(SIZE, SIZE, SQUARES), png);
  const r = spawnSync('gdal_translate', ['-q', '-of', 'GTiff', png, path.join(t.root, 'plain.tif')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);

  const extent = { bbox: [0, 0, 400, 300], crs: 'pixel' };
  const start = await t.api('/api/jobs', { method: 'POST', json: { path: 'plain.tif', extent } });
  assert.equal(start.status, 202, await start.clone().text());
  const { id } = (await start.json()) as any;
  let state: any;
  for (;;) {
    state = await (await t.api(`/api/jobs/${id}`)).json();
    if (state.status !== 'queued' && state.status !== 'running') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(state.status, 'done', JSON.stringify(state));
  const fc = (await (await t.api(`/api/jobs/${id}/result`)).json()) as any;
  // the squares inside the 400×300 window ([40,40,56] and [304,200,56]) at their pixel boxes (±1 px);
  // every feature is one of the squares (the job answers for the whole tiles the window touches)
  const near = (b: number[], [x, y, s]: [number, number, number]) => b.every((v, i) => Math.abs(v - [x, y, x + s, y + s][i]) <= 1);
  for (const f of fc.features) assert.ok(SQUARES.some((q) => near(bbox(f.geometry.coordinates[0]), q)), JSON.stringify(bbox(f.geometry.coordinates[0])));
  const inside = SQUARES.filter(([x, y, s]) => x + s <= 400 && y + s <= 300);
  assert.equal(inside.length, 2);
  for (const [x, y, s] of inside) {
    assert.ok(
      fc.features.some((f: any) => bbox(f.geometry.coordinates[0]).every((v, i) => Math.abs(v - [x, y, x + s, y + s][i]) <= 1)),
      `square at ${x},${y}`,
    );
  }

  const p = await t.api('/api/prompt', { method: 'POST', json: { path: 'plain.tif', crs: 'pixel', extent, points: [{ x: 330, y: 225, label: 1 }] } });
  assert.equal(p.status, 200, await p.clone().text());
  const pf = (await p.json()) as any;
  assert.equal(pf.features.length, 1);
  const b = bbox(pf.features[0].geometry.coordinates[0]);
  [304, 200, 360, 256].forEach((v, i) => assert.ok(Math.abs(b[i] - v) <= 1, `${b} vs square at 304,200`));

  const outside = await t.api('/api/jobs', { method: 'POST', json: { path: 'plain.tif', extent: { bbox: [700, 700, 800, 800], crs: 'pixel' } } });
  assert.equal(outside.status, 422);
  assert.equal(((await outside.json()) as any).error.code, 'OUT_OF_BOUNDS');
});
