/**
 * Scale out with real parts: a redis-server started here, `fastsam-geo worker` processes (BullMQ,
 * worker threads, the fixture model) and `fastsam-geo extract --queue`. Three workers, one killed with
 * SIGKILL while it holds a tile: the tile is recovered by another worker (stalled-job recovery) and
 * the merged GeoJSON equals a local extract of the same raster. A worker whose model does not load
 * says so once and takes nothing; cancel removes the pending tiles.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { extract } from '../pipeline/extract.js';
import { createEngineBackend } from '../server/engine-backend.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { startRedis, type TestRedis } from '../testing/redis-server.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir('fsg-queue-');
const model = path.join(dir, 'fixture.onnx');
writeFileSync(model, buildFixtureSegModel());
const SQ: [number, number, number][] = [[64, 64, 56], [256, 64, 56], [448, 320, 56], [128, 448, 56], [832, 64, 56], [704, 256, 56], [576, 576, 56]];
const tif = path.join(dir, 'area.tif');
writeGeoTiff(tif, { width: 1024, height: 768, bands: squaresBands(1024, 768, SQ), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
const TILES = 20; // 256 tiles, overlap 64
const tileArgs = ['--model', model, '--tile-size', '256', '--overlap', '64'];

let redis: TestRedis;
let r: Redis;
const children = new Set<ChildProcess>();
before(async () => {
  redis = await startRedis();
  r = new Redis(redis.url);
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  r?.disconnect();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = (store: string): NodeJS.ProcessEnv => ({ ...process.env, FASTSAM_GEO_RESULTS: store });

/** Starts a worker and waits for its "worker ready" line (or its exit). */
function startWorker(store: string, extra: string[] = [], modelFile = model): Promise<{ child: ChildProcess; log: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', redis.url, '--model', modelFile, '--lock-duration', '3000', '--stalled-interval', '1000', ...extra], { env: env(store), stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let log = '';
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => { children.delete(child); res(code); }));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      log += d;
      if (/worker ready/.test(log)) resolve({ child, log: () => log, exit });
    });
    void exit.then((code) => (/worker ready/.test(log) ? undefined : resolve({ child, log: () => log, exit: Promise.resolve(code) })));
    child.on('error', reject);
  });
}

function cli(args: string[], store: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [bin, ...args], { env: env(store) });
    children.add(c);
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('exit', (code) => { children.delete(c); resolve({ code, stdout, stderr }); });
  });
}

test('3 workers, one killed with SIGKILL while it holds a tile: the job finishes and equals a local extract', async () => {
  const store = path.join(dir, 'store-3');
  const workers = await Promise.all([0, 1, 2].map(() => startWorker(store)));
  for (const w of workers) assert.match(w.log(), /worker ready/);
  const out = path.join(dir, 'queued.geojson');
  const submitted = cli(['extract', tif, ...tileArgs, '--queue', redis.url, '-o', out], store);
  // Find a worker holding a tile (the job's processedBy names its pid) and kill it there.
  let killedPid = 0;
  let killedTile = '';
  const deadline = Date.now() + 60_000;
  while (!killedPid && Date.now() < deadline) {
    for (const id of await r.lrange('bull:fsg-tiles:active', 0, -1)) {
      const by = await r.hget(`bull:fsg-tiles:${id}`, 'pb');
      const pid = Number(/:(\d+)$/.exec(by ?? '')?.[1]);
      const w = workers.find((x) => x.child.pid === pid);
      if (w) {
        w.child.kill('SIGKILL');
        killedPid = pid;
        killedTile = id;
        break;
      }
    }
    if (!killedPid) await new Promise((res) => setTimeout(res, 5));
  }
  assert.ok(killedPid, 'caught a worker holding a tile');
  const res = await submitted;
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, new RegExp(`queued ${TILES} tiles as (\\S+)`));
  assert.match(res.stderr, new RegExp(`done, ${TILES}/${TILES} tiles`));
  // The killed worker's tile was done by another (stalled-job recovery): every tile is in the store.
  const stored = spawnSync('find', [store, '-name', '*.tile'], { encoding: 'utf8' }).stdout.trim().split('\n');
  assert.equal(stored.length, TILES, `${killedTile} recovered`);
  const local = await extract(tif, { model, tileSize: 256, overlap: 64 });
  assert.ok(local.buildings >= 5);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), JSON.parse(JSON.stringify(local.collection)));
  // Resubmitting is cheap and idempotent: the tiles are rewritten with the same records.
  for (const w of workers) if (w.child.pid !== killedPid) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exit));
});

test('a worker whose model does not load says so once and takes no tile; cancel removes the pending tiles', async () => {
  const store = path.join(dir, 'store-cancel');
  const sub = await cli(['extract', tif, ...tileArgs, '--queue', redis.url, '--detach', '-o', path.join(dir, 'never.geojson')], store);
  assert.equal(sub.code, 0, sub.stderr);
  const id = sub.stdout.trim();
  assert.match(id, /^x\w+$/);
  const st = await cli(['jobs', 'status', id, '--queue', redis.url], store);
  assert.match(st.stdout, new RegExp(`${id}: tiles, 0/${TILES} tiles`));
  const bad = path.join(dir, 'bad.onnx');
  writeFileSync(bad, 'not a model');
  const w = await startWorker(store, [], bad);
  assert.equal(await w.exit, 1);
  const errors = w.log().split('\n').filter((l) => /not taking tiles/.test(l));
  assert.equal(errors.length, 1, w.log());
  assert.match(errors[0], /bad\.onnx|ONNX|model/i);
  assert.equal(await r.llen('bull:fsg-tiles:wait'), TILES, 'no tile was taken');
  const c = await cli(['jobs', 'cancel', id, '--queue', redis.url], store);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /cancelled/);
  assert.equal(await r.llen('bull:fsg-tiles:wait'), 0, 'pending tiles removed');
  const after = await cli(['jobs', 'status', id, '--queue', redis.url], store);
  assert.match(after.stdout, /cancelled/);
  const wait = await cli(['jobs', 'wait', id, '--queue', redis.url, '-q'], store);
  assert.equal(wait.code, 1);
});

test('the server pointed at the queue (serve --queue, c.FastSamGeo.queue) runs its jobs on the workers: same progress, same result', async () => {
  const store = path.join(dir, 'store-server');
  const w = await startWorker(store, ['--concurrency', '2']);
  const req = { path: tif, rel: 'area.tif', options: { tileSize: 256, overlap: 64 } };
  const local = createEngineBackend({ model, cacheDir: null });
  const queued = createEngineBackend({ model, cacheDir: null, resultsDir: store, queue: redis.url });
  const progress: string[] = [];
  const ac = new AbortController();
  const fc = await queued.segment(req, { signal: ac.signal, progress: (d, t) => progress.push(`${d}/${t}`) });
  assert.equal(progress.at(-1), `${TILES}/${TILES}`);
  assert.deepEqual(fc, await local.segment(req, { signal: ac.signal, progress: () => {} }));
  await Promise.all([local.close(), queued.close()]);
  w.child.kill('SIGTERM');
  assert.equal(await w.exit, 0);
});
