// Jobs on queue workers (serve --queue, c.FastSamGeo.queue) drew nothing until they finished: the map's
// partial route had in-process jobs only. Now the server hands over the tiles the workers put into the
// shared result store as they appear. Real parts: a redis-server started here, a `fastsam-geo worker`
// process (the fixture model), the HTTP server on loopback. The worker is stopped (SIGSTOP) once a
// finished tile holds a square: the partial route then shows exactly the squares whose centre lies
// deepest in the finished tiles (computed here from the store's file names), while the job runs; a
// Cancel then keeps them; the same area run again draws every square once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { startRedis, type TestRedis } from '../testing/redis-server.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir('fsg-queued-partial-');
const SQ: [number, number, number][] = [[64, 64, 56], [256, 64, 56], [448, 320, 56], [128, 448, 56], [832, 64, 56], [704, 256, 56], [576, 576, 56]];
const W = 1024;
const H = 768;

let redis: TestRedis | null = null;
let server: TestServer | null = null;
let worker: ChildProcess | null = null;
after(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGCONT');
    worker.kill('SIGKILL');
  }
  await server?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const bbox = (f: any): number[] => {
  const ring: number[][] = f.geometry.coordinates[0];
  const xs = ring.map((c) => c[0]);
  const ys = ring.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
};
/** Which square a feature is (its pixel box within 1 px), or -1. */
const squareOf = (f: any): number => SQ.findIndex(([x, y, s]) => bbox(f).every((v, i) => Math.abs(v - [x, y, x + s, y + s][i]) <= 1));
/** Tile windows present in the store (file names X0_Y0_X1_Y1.tile), anywhere under it. */
function storedWindows(store: string): number[][] {
  const out: number[][] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (/^\d+_\d+_\d+_\d+\.tile$/.test(e.name)) out.push(e.name.slice(0, -5).split('_').map(Number));
    }
  };
  walk(store);
  return out;
}
/** The squares whose centre lies deepest in one of `done` among all the job's windows `all` (ties: either). */
function expectedSquares(done: number[][], all: number[][]): number[] {
  const depth = (w: number[], x: number, y: number) => Math.min(x - w[0], w[2] - x, y - w[1], w[3] - y);
  return SQ.flatMap(([x, y, s], k) => {
    const cx = x + s / 2;
    const cy = y + s / 2;
    const best = Math.max(...all.map((w) => depth(w, cx, cy)));
    return done.some((w) => depth(w, cx, cy) === best) ? [k] : [];
  });
}

test('a job on queue workers is drawn tile by tile: the partial route shows the squares of the tiles the workers finished, each once; Cancel keeps them', async () => {
  redis = await startRedis();
  const model = path.join(dir, 'fixture.onnx');
  writeFileSync(model, buildFixtureSegModel());
  const store = path.join(dir, 'store');
  mkdirSync(path.join(dir, 'root'));
  server = await startTestServer({ root: path.join(dir, 'root'), backendOptions: { model, cacheDir: null, resultsDir: store, queue: redis.url } });
  // no georeferencing: features in pixel coordinates
  writeGeoTiff(path.join(server.root, 'area.tif'), { width: W, height: H, bands: squaresBands(W, H, SQ) });
  const t = server;
  const json = async (p: string, body?: unknown): Promise<any> => (await t.api(p, body === undefined ? {} : { method: 'POST', json: body })).json();

  const job = await json('/api/jobs', { path: 'area.tif', options: { tileSize: 256, overlap: 64 } });
  assert.ok(job.id && job.total === 20, JSON.stringify(job));
  // one worker, one tile at a time
  worker = spawn(process.execPath, [bin, 'worker', '--queue', redis.url, '--model', model, '--concurrency', '1'], {
    env: { ...process.env, FASTSAM_GEO_RESULTS: store }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  worker.stderr!.on('data', (d) => (log += d));
  const w = worker;
  const exited = new Promise<number | null>((res) => w.on('exit', (code) => res(code)));

  // the job's windows: 256-px tiles, overlap 64, over 1024×768 (step 192; the last column/row flush with the edge)
  const starts = (n: number) => [...new Set([...Array.from({ length: Math.ceil((n - 256) / 192) + 1 }, (_, i) => Math.min(i * 192, n - 256))])];
  const all = starts(H).flatMap((y) => starts(W).map((x) => [x, y, x + 256, y + 256]));
  assert.equal(all.length, 20);

  // stop the worker once a finished tile holds a square's centre
  const deadline = Date.now() + 60_000;
  let done: number[][] = [];
  while (Date.now() < deadline && worker.exitCode === null) {
    done = storedWindows(store);
    if (expectedSquares(done, all).length > 0) break;
    await new Promise((res) => setTimeout(res, 5));
  }
  worker.kill('SIGSTOP');
  done = storedWindows(store);
  const expected = expectedSquares(done, all);
  assert.ok(expected.length > 0 && done.length < 20, `stopped the worker at ${done.length}/20 tiles; log: ${log}`);

  // while it is stopped: the partial route shows exactly those squares, the job still running
  let partial: any = null;
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    partial = await json(`/api/jobs/${job.id}/partial?since=0`);
    if (partial.features.length >= expected.length) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(partial.status, 'running');
  assert.ok(partial.done < partial.total, JSON.stringify({ done: partial.done, total: partial.total }));
  assert.deepEqual(partial.features.map(squareOf).sort(), expected, JSON.stringify(partial.features.map(bbox)));

  // Cancel (the worker still stopped): the job ends cancelled and keeps what it drew
  const del = await t.api(`/api/jobs/${job.id}`, { method: 'DELETE' });
  assert.ok(del.ok, `DELETE: ${del.status}`);
  let state: any;
  for (;;) {
    state = await json(`/api/jobs/${job.id}/partial?since=0`);
    if (state.status !== 'queued' && state.status !== 'running') break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(state.status, 'cancelled', JSON.stringify({ status: state.status, error: state.error }));
  assert.deepEqual(state.features.map(squareOf).sort(), expected);

  // The same area again, the worker resumed: every square drawn once, the same as the job's result
  worker.kill('SIGCONT');
  const again = await json('/api/jobs', { path: 'area.tif', options: { tileSize: 256, overlap: 64 } });
  for (;;) {
    state = await json(`/api/jobs/${again.id}/partial?since=0`);
    if (state.status !== 'queued' && state.status !== 'running') break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(state.status, 'done', JSON.stringify({ status: state.status, error: state.error }));
  const final = await json(`/api/jobs/${again.id}/result`);
  assert.deepEqual(final.features.map(squareOf).sort(), SQ.map((_, k) => k));
  assert.deepEqual(state.features.map(squareOf).sort(), SQ.map((_, k) => k), JSON.stringify(state.features.map(bbox)));
  worker.kill('SIGTERM');
  assert.equal(await exited, 0, log);
});
