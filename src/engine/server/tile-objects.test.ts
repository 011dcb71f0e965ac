// The map draws a long job tile by tile (GET /api/jobs/:id/partial) and answers point prompts in the
// browser from the finished tiles' objects (POST /api/tiles, no model run) — also after a restart,
// from the persistent result store. Checked on a plain (pixel) raster of four known squares.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
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

function bbox(f: any): number[] {
  const ring: number[][] = f.geometry.coordinates[0];
  const xs = ring.map((c) => c[0]);
  const ys = ring.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
/** Which square a feature is (its box within 1 px), or -1. */
const squareOf = (f: any): number => SQUARES.findIndex(([x, y, s]) => bbox(f).every((v, i) => Math.abs(v - [x, y, x + s, y + s][i]) <= 1));

test('a job publishes each finished tile\'s objects once; /api/tiles gives the finished tiles\' objects without a model run, also after a restart', async () => {
  const models = tmpDir('fsg-tiles-models-');
  const cacheDir = tmpDir('fsg-tiles-cache-');
  const model = writeFixtureModel(models);
  const t = await startTestServer({ backendOptions: { model, cacheDir } });
  servers.push(t);
  const png = path.join(t.root, '.squares.png');
  await writePng(squaresImage(SIZE, SIZE, SQUARES), png);
  const r = spawnSync('gdal_translate', ['-q', '-of', 'GTiff', png, path.join(t.root, 'plain.tif')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  copyFileSync(path.join(t.root, 'plain.tif'), path.join(t.root, 'other.tif'));

  // nothing finished yet: every tile missing, no objects
  const before = (await (await t.api('/api/tiles', { method: 'POST', json: { path: 'plain.tif' } })).json()) as any;
  assert.equal(before.objects.features.length, 0);
  assert.ok(before.missing > 1, JSON.stringify(before));

  // the plan of a job: its tile count, nothing started
  const plan = (await (await t.api('/api/jobs/plan', { method: 'POST', json: { path: 'plain.tif' } })).json()) as any;
  assert.equal(plan.total, before.missing);
  const start = await t.api('/api/jobs', { method: 'POST', json: { path: 'plain.tif' } });
  assert.equal(start.status, 202);
  const { id, total } = (await start.json()) as any;
  assert.equal(total, before.missing);
  const partial: any[] = [];
  let since = 0;
  let state: any;
  for (;;) {
    const p = (await (await t.api(`/api/jobs/${id}/partial?since=${since}`)).json()) as any;
    assert.equal(p.type, 'FeatureCollection');
    partial.push(...p.features);
    assert.equal(p.next, since + p.features.length);
    since = p.next;
    state = p;
    if (p.status !== 'queued' && p.status !== 'running') break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(state.status, 'done');
  const rest = (await (await t.api(`/api/jobs/${id}/partial?since=${since}`)).json()) as any;
  partial.push(...rest.features);
  // each square drawn exactly once (overlapping tiles do not repeat it), at its pixel box
  assert.deepEqual(partial.map(squareOf).sort(), [0, 1, 2, 3], JSON.stringify(partial.map(bbox)));
  for (const f of partial) assert.equal(f.properties.prompt, 'everything');
  const final = (await (await t.api(`/api/jobs/${id}/result`)).json()) as any;
  assert.deepEqual(final.features.map(squareOf).sort(), [0, 1, 2, 3]);
  assert.equal((await t.api(`/api/jobs/${id}/partial?since=x`)).status, 400);

  // the finished tiles' objects: every tile, each square in every tile holding it whole, with tile + pixels
  const tiles = (await (await t.api('/api/tiles', { method: 'POST', json: { path: 'plain.tif' } })).json()) as any;
  assert.equal(tiles.missing, 0);
  assert.equal(tiles.tiles.features.length, total);
  assert.ok(tiles.objects.features.length >= 4);
  for (const f of tiles.objects.features) {
    assert.equal(typeof f.properties.tile, 'number');
    assert.equal(typeof f.properties.pixels, 'number');
  }
  for (let k = 0; k < SQUARES.length; k++) assert.ok(tiles.objects.features.some((f: any) => squareOf(f) === k), `square ${k}`);
  // the mask pixel count the client picks the smallest object by (the fixture masks round corners a little)
  for (const f of tiles.objects.features.filter((x: any) => squareOf(x) >= 0)) assert.ok(Math.abs(f.properties.pixels - 56 * 56) <= 0.02 * 56 * 56, String(f.properties.pixels));
  // tiles the client holds are left out
  const skip = tiles.tiles.features.map((f: any) => f.properties.tile);
  const none = (await (await t.api('/api/tiles', { method: 'POST', json: { path: 'plain.tif', skip } })).json()) as any;
  assert.equal(none.objects.features.length, 0);
  assert.equal(none.tiles.features.length, 0);
  // another raster: nothing finished
  const other = (await (await t.api('/api/tiles', { method: 'POST', json: { path: 'other.tif' } })).json()) as any;
  assert.equal(other.objects.features.length, 0);
  assert.equal(other.missing, total);

  // a restarted server (same cache directory) finds them in the result store
  await t.close();
  servers.pop();
  const t2 = await startTestServer({ root: t.root, backendOptions: { model, cacheDir } });
  servers.push(t2);
  const again = (await (await t2.api('/api/tiles', { method: 'POST', json: { path: 'plain.tif' } })).json()) as any;
  assert.equal(again.missing, 0);
  assert.equal(again.objects.features.length, tiles.objects.features.length);
});
