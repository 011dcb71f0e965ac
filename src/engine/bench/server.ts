/**
 * Load script for the HTTP server (not a test): `npm run bench:server [-- --requests N --concurrency C
 * --model PATH --raster PATH]`. Starts `fastsam-geo serve` as a child process on a temp root, segments
 * the raster once (a job), then
 *   1. 50 concurrent point prompts on the cached area: all must succeed; latency figures;
 *   2. N (default 10,000) prompts, C (default 50) at a time: the server's RSS sampled from /proc every
 *      N/20 requests; prints first/last/max RSS and the least-squares slope over the second half.
 * Default model and raster: the fixture model and the squares GeoTIFF of the server tests, so the
 * figures measure the server, the cache and the prompt path, not FastSAM.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pixelToLonLat, SQUARES, writeFixtureModel, writeSquaresTif } from '../testing/server-data.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '50' },
    model: { type: 'string' },
    raster: { type: 'string' },
  },
});
const N = Number(values.requests);
const C = Number(values.concurrency);

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'fsg-bench-server-'));
const model = values.model ? path.resolve(values.model) : writeFixtureModel(mkdtempSync(path.join(os.tmpdir(), 'fsg-bench-model-')));
let rasterName = 'squares.tif';
if (values.raster) {
  rasterName = path.basename(values.raster);
  copyFileSync(values.raster, path.join(root, rasterName));
} else {
  await writeSquaresTif(root);
}
const [sx, sy, ss] = SQUARES[1];
const [lon, lat] = pixelToLonLat(sx + ss / 2, sy + ss / 2);

const token = 'bench-token-0123456789abcdef';
const child = spawn(process.execPath, [bin, 'serve', '--root', root, '--model', model, '--token', token], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FASTSAM_GEO_CACHE: mkdtempSync(path.join(os.tmpdir(), 'fsg-bench-cache-')) },
});
const url: string = await new Promise((resolve, reject) => {
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
    if (m) resolve(m[1]);
  });
  child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
});

const headers = { authorization: `token ${token}`, 'content-type': 'application/json' };
const rssMiB = (): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const promptBody = JSON.stringify({ path: rasterName, points: [{ x: lon, y: lat, label: 1 }] });

async function prompt(): Promise<{ ok: boolean; ms: number; features: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/prompt`, { method: 'POST', headers, body: promptBody });
  const body = await res.json() as { features?: unknown[] };
  return { ok: res.status === 200, ms: performance.now() - t0, features: body.features?.length ?? -1 };
}

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

try {
  // segment once (fills the tile cache)
  const t0 = performance.now();
  const job = await (await fetch(`${url}/api/jobs`, { method: 'POST', headers, body: JSON.stringify({ path: rasterName }) })).json() as { id: string; total: number };
  for (;;) {
    const s = await (await fetch(`${url}/api/jobs/${job.id}`, { headers })).json() as { status: string };
    if (s.status !== 'running' && s.status !== 'queued') {
      if (s.status !== 'done') throw new Error(`job ended ${JSON.stringify(s)}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`job: ${job.total} tiles segmented in ${(performance.now() - t0).toFixed(0)} ms (model ${path.basename(model)})`);

  // 1. 50 concurrent prompts on the cached area
  const t1 = performance.now();
  const burst = await Promise.all(Array.from({ length: 50 }, () => prompt()));
  const wall = performance.now() - t1;
  const okCount = burst.filter((r) => r.ok && r.features === 1).length;
  const ms = burst.map((r) => r.ms);
  console.log(`50 concurrent prompts: ${okCount}/50 succeeded (1 feature each); wall ${wall.toFixed(0)} ms; ` +
    `latency p50 ${q(ms, 0.5).toFixed(1)} ms, p95 ${q(ms, 0.95).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`);

  // 2. N prompts, C at a time, RSS sampled
  const samples: [number, number][] = [[0, rssMiB()]];
  const every = Math.max(1, Math.floor(N / 20));
  let sent = 0;
  let failures = 0;
  const lat: number[] = [];
  const t2 = performance.now();
  await Promise.all(Array.from({ length: C }, async () => {
    while (sent < N) {
      sent++;
      const r = await prompt();
      if (!r.ok || r.features !== 1) failures++;
      lat.push(r.ms);
      if (lat.length % every === 0) samples.push([lat.length, rssMiB()]);
    }
  }));
  const secs = (performance.now() - t2) / 1000;
  const half = samples.slice(Math.floor(samples.length / 2));
  const mx = half.reduce((a, s) => a + s[0], 0) / half.length;
  const my = half.reduce((a, s) => a + s[1], 0) / half.length;
  const slope = half.reduce((a, s) => a + (s[0] - mx) * (s[1] - my), 0) / half.reduce((a, s) => a + (s[0] - mx) ** 2, 0);
  console.log(`${N} prompts, ${C} concurrent: ${failures} failed; ${(N / secs).toFixed(0)} req/s; ` +
    `latency p50 ${q(lat, 0.5).toFixed(1)} ms, p95 ${q(lat, 0.95).toFixed(1)} ms, p99 ${q(lat, 0.99).toFixed(1)} ms`);
  console.log(`server RSS (MiB): start ${samples[0][1].toFixed(1)}, after ${samples[1][0]} ${samples[1][1].toFixed(1)}, ` +
    `end ${samples.at(-1)![1].toFixed(1)}, max ${Math.max(...samples.map((s) => s[1])).toFixed(1)}; ` +
    `slope over the second half ${(slope * 1000).toFixed(3)} MiB per 1000 requests`);
  console.log('rss samples:', samples.map(([n, r]) => `${n}:${r.toFixed(1)}`).join(' '));
  if (okCount !== 50 || failures > 0) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}
