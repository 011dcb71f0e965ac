/**
 * `npm run bench:queue` (node lib/engine/bench/queue.js [--quick]): figures for the queue and the
 * result store (issue 12), with the fixture model and a redis-server started here:
 *   1. time per tile: local extract vs through BullMQ with 1 and with 2 workers (same raster);
 *   2. Redis bytes per tile (pending, and left after the job) and result-store bytes per tile
 *      (fixture tiles, and FastSAM-like tiles of 100 / 300 masks);
 *   3. resume cost: a fully stored 20000² raster (529 tiles of 1024): reading every tile from the
 *      store; a rerun from the tile records alone (seams, tracing, shaping: it writes the finished rows);
 *      and the fully cached rerun that replays those rows (same output, byte for byte, checked here).
 * Not a test: numbers only, printed as a table (and --json FILE).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DirTileStore } from '../cache/result-store.js';
import { storeJobFor } from '../cache/open-result-store.js';
import { encodeTileRecord } from '../cache/tile-record.js';
import { extract } from '../pipeline/extract.js';
import { planTiles } from '../pipeline/plan.js';
import { openQueueClient } from '../queue/client.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { syntheticTile } from '../testing/fixture-masks.js';
import { startRedis } from '../testing/redis-server.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));

function dirBytes(d: string, exts = ['.tile']): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (p: string): void => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const q = path.join(p, e.name);
      if (e.isDirectory()) walk(q);
      else if (exts.some((x) => e.name.endsWith(x))) { bytes += statSync(q).size; files++; }
    }
  };
  walk(d);
  return { bytes, files };
}

function startWorker(url: string, model: string, store: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', url, '--model', model], { env: { ...process.env, FASTSAM_GEO_RESULTS: store }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (d) => { log += d; if (/worker ready/.test(log)) resolve(child); });
    child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${log}`)));
  });
}

async function usedMemory(client: Awaited<ReturnType<typeof openQueueClient>>): Promise<number> {
  const info = await client.redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

export async function benchQueue(options: { quick?: boolean; onFigure?: (name: string, value: number | string) => void } = {}): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {};
  // Each figure is reported as soon as it is measured (the large-raster rerun takes minutes).
  const out = new Proxy(figures, {
    set(t, k: string, v: number | string) {
      t[k] = v;
      options.onFigure?.(k, v);
      return true;
    },
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fsg-bench-queue-'));
  const redis = await startRedis();
  const workers: ChildProcess[] = [];
  try {
    const model = path.join(dir, 'fixture.onnx');
    writeFileSync(model, buildFixtureSegModel());
    const side = options.quick ? 1024 : 2048;
    const squares: [number, number, number][] = [];
    for (let y = 64; y + 56 < side; y += 192) for (let x = 64; x + 56 < side; x += 192) squares.push([x, y, 56]);
    const tif = path.join(dir, 'area.tif');
    writeGeoTiff(tif, { width: side, height: side, bands: squaresBands(side, side, squares), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
    const opts = { tileSize: 256, overlap: 64 };

    // 1. local
    const t0 = performance.now();
    const local = await extract(tif, { model, ...opts });
    const localMs = performance.now() - t0;
    const tiles = local.tiles;
    out.tiles = tiles;
    out['local ms/tile'] = +(localMs / tiles).toFixed(1);

    const client = await openQueueClient(redis.url);
    try {
      // 2a. Redis bytes per pending tile (no worker yet; after a warm-up submit has loaded BullMQ's scripts), then cancel.
      await client.cancel((await client.submit(tif, model, opts, { output: null, storeRoot: path.join(dir, 'store-warm') })).id);
      const base = await usedMemory(client);
      const pending = await client.submit(tif, model, opts, { output: null, storeRoot: path.join(dir, 'store-pending') });
      out['redis bytes/tile pending (used_memory)'] = Math.round(((await usedMemory(client)) - base) / tiles);
      out['redis bytes/tile pending (MEMORY USAGE of a tile job)'] = Number(await client.redis.call('MEMORY', 'USAGE', `bull:fsg-tiles:${pending.id}.0`));
      out['redis bytes of the parent job (once per job)'] = Number(await client.redis.call('MEMORY', 'USAGE', `bull:fsg-merge:${pending.id}`));
      await client.cancel(pending.id);
      for (const n of [1, 2]) {
        while (workers.length < n) workers.push(await startWorker(redis.url, model, dir));
        const before = await usedMemory(client);
        const q0 = performance.now();
        const { id } = await client.submit(tif, model, opts, { output: path.join(dir, `q${n}.geojson`), storeRoot: path.join(dir, `store-${n}`) });
        const s = await client.wait(id, { pollMs: 50 });
        const ms = performance.now() - q0;
        if (s.state !== 'done') throw new Error(`queued run ${id}: ${s.state} ${s.error ?? ''}`);
        out[`queue ${n} worker${n > 1 ? 's' : ''} ms/tile`] = +(ms / tiles).toFixed(1);
        out[`redis bytes/tile kept after job (${n}, used_memory)`] = Math.round(((await usedMemory(client)) - before) / tiles);
        out[`redis bytes/tile kept after job (${n}, processed set)`] = Math.round(Number(await client.redis.call('MEMORY', 'USAGE', `bull:fsg-merge:${id}:processed`) ?? 0) / tiles);
        if (n === 1) {
          const st = dirBytes(path.join(dir, 'store-1'));
          out['store bytes/tile (fixture, few masks)'] = Math.round(st.bytes / Math.max(1, st.files));
        }
      }
    } finally {
      await client.close();
    }
    out['store bytes/tile (100 masks of a 1024 tile)'] = encodeTileRecord([0, 0, 1024, 1024], syntheticTile(100, 1024, 1)).length;
    out['store bytes/tile (300 masks of a 1024 tile)'] = encodeTileRecord([0, 0, 1024, 1024], syntheticTile(300, 1024, 1)).length;

    // 3. resume cost of a fully stored 20000² raster (1024 tiles, overlap 128: 529 tiles).
    const big = path.join(dir, 'big.tif');
    const bigSide = options.quick ? 5000 : 20000;
    const g = spawnSync('gdal_create', ['-of', 'GTiff', '-outsize', String(bigSide), String(bigSide), '-bands', '3', '-ot', 'Byte', '-burn', '200',
      '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', '-a_srs', 'EPSG:32616', '-a_ullr', '733601', '3725139', String(733601 + bigSide * 0.5), String(3725139 - bigSide * 0.5), big], { encoding: 'utf8' });
    if (g.status !== 0) throw new Error(`gdal_create: ${g.stderr}`);
    const job = (await storeJobFor(big, { model }))!;
    const root = path.join(dir, 'store-big');
    const store = new DirTileStore(job, { root });
    const grid = planTiles([0, 0, bigSide, bigSide], [1024, 1024], 128);
    const buildingsPerTile = 30;
    for (const t of grid) {
      const w = t.window[2] - t.window[0];
      const h = t.window[3] - t.window[1];
      const r = syntheticTile(buildingsPerTile, Math.min(w, h), t.index + 1);
      await store.put(t, { ...r, image: { width: w, height: h } });
    }
    out['big raster tiles'] = grid.length;
    out['big raster store MB'] = +(dirBytes(root).bytes / 1e6).toFixed(1);
    const r0 = performance.now();
    const reader = new DirTileStore(job, { root });
    for (const t of grid) if (!(await reader.get(t))) throw new Error('missing tile');
    out['read every stored tile s'] = +((performance.now() - r0) / 1000).toFixed(2);
    const rows = new Set(grid.map((t) => t.row)).size;
    for (const regularize of [false, true]) {
      const what = `${regularize ? 'regularized' : 'no regularize'}`;
      const texts: string[] = [];
      for (const pass of ['rerun from tile records only (writes rows)', 'fully cached rerun (rows replayed)']) {
        const e0 = performance.now();
        const s = new DirTileStore(job, { root });
        const r = await extract(big, { model, tileSize: 1024, overlap: 128, tileStore: s, regularize });
        const sec = (performance.now() - e0) / 1000;
        if (s.stats.hits !== grid.length || r.timings.model !== 0) throw new Error(`not fully cached: ${s.stats.hits}/${grid.length}`);
        const replayed = texts.length > 0;
        if (replayed ? s.rowStats.hits !== rows : s.rowStats.puts !== rows) throw new Error(`rows: ${JSON.stringify(s.rowStats)} of ${rows}`);
        texts.push(JSON.stringify(r.collection));
        out[`${pass} s (${what}, ${r.buildings} buildings)`] = +sec.toFixed(replayed ? 2 : 1);
      }
      if (texts[0] !== texts[1]) throw new Error('the replayed rows differ from the computed ones');
    }
    out['big raster store MB with rows (2 settings)'] = +(dirBytes(root, ['.tile', '.row']).bytes / 1e6).toFixed(1);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'string' } } });
  const figures = await benchQueue({ quick: values.quick, onFigure: (k, v) => process.stdout.write(`${k.padEnd(56)}  ${v}\n`) });
  if (values.json) writeFileSync(values.json, JSON.stringify({ machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model}`, node: process.version, figures }, null, 2) + '\n');
  process.exit(0);
}
