// Regression (issue 18): an allowed COG URL answering 302 to a non-allowed server was followed (4 range
// requests reached it), and a COG server sending 1 byte every 2 s hung `GET /api/raster?url=` and
// `extract URL` forever. Every redirect hop is checked; every network wait has a timeout. Real servers
// on loopback: an allowed one that redirects, a forbidden one that counts its requests, a trickler.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { openRaster } from './open.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir('fsg-cog-redirect-');
const tif = path.join(dir, 'a.tif');
writeGeoTiff(tif, { width: 64, height: 64, bands: squaresBands(64, 64, []), geotransform: [500000, 1, 0, 4000000, 0, -1], epsg: 32616, options: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32'] });
const bytes = readFileSync(tif);

function serveRanges(req: http.IncomingMessage, res: http.ServerResponse): void {
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const end = Math.min(m ? Number(m[2]) : bytes.length - 1, bytes.length - 1);
  res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': end - start + 1 });
  res.end(bytes.subarray(start, end + 1));
}

let evilHits = 0;
const servers: http.Server[] = [];
let evil = '';
let allowed = '';
let trickler = '';
let t: TestServer;

async function listen(handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

before(async () => {
  evil = await listen((req, res) => { evilHits++; serveRanges(req, res); });
  allowed = await listen((req, res) => {
    if (req.url === '/cogs/redirect.tif') res.writeHead(302, { location: `${evil}/x.tif` }).end();
    else if (req.url === '/cogs/hop.tif') res.writeHead(307, { location: '/cogs/hop2.tif' }).end();
    else if (req.url === '/cogs/hop2.tif') res.writeHead(302, { location: `${evil}/y.tif` }).end();
    else if (req.url === '/cogs/inside.tif') res.writeHead(301, { location: '/cogs/a.tif' }).end();
    else if (req.url === '/outside.tif') serveRanges(req, res);
    else if (req.url === '/cogs/to-outside.tif') res.writeHead(302, { location: '/outside.tif' }).end();
    else serveRanges(req, res);
  });
  trickler = await listen((_req, res) => {
    res.writeHead(206, { 'content-range': `bytes 0-65535/${bytes.length}`, 'content-length': 65536 });
    const timer = setInterval(() => res.write('I'), 2000);
    res.on('close', () => clearInterval(timer));
  });
  t = await startTestServer({ allowUrls: [`${allowed}/cogs/`] });
});
after(async () => {
  await t.close();
  for (const s of servers) { s.closeAllConnections(); s.close(); }
});

test('the server refuses a redirect hop outside the allow-list (403) and the other server is never reached', async () => {
  for (const p of ['redirect.tif', 'hop.tif', 'to-outside.tif']) {
    const res = await t.api(`/api/raster?url=${encodeURIComponent(`${allowed}/cogs/${p}`)}`);
    const body = await res.json() as { error: { code: string; message: string } };
    assert.equal(res.status, 403, `${p}: ${JSON.stringify(body)}`);
    assert.equal(body.error.code, 'FORBIDDEN');
  }
  assert.equal(evilHits, 0);
  const ok = await t.api(`/api/raster?url=${encodeURIComponent(`${allowed}/cogs/inside.tif`)}`);
  assert.equal(ok.status, 200, await ok.text());
});

test('openRaster (extract URL) follows redirects only on the same origin; a slow server gives TIMEOUT', async () => {
  await assert.rejects(openRaster(`${allowed}/cogs/redirect.tif`), (e: unknown) => e instanceof EngineError && e.code === 'FORBIDDEN');
  assert.equal(evilHits, 0);
  const r = await openRaster(`${allowed}/cogs/inside.tif`);
  assert.equal(r.width, 64);
  await r.close();
  await assert.rejects(openRaster(`${trickler}/slow.tif`, { networkTimeoutMs: 1500 }), (e: unknown) => e instanceof EngineError && e.code === 'TIMEOUT');
});

test('extract URL from the CLI: a cross-origin redirect exits 1 with FORBIDDEN-style message, nothing fetched there', async () => {
  const model = path.join(dir, 'fixture.onnx');
  writeFileSync(model, buildFixtureSegModel());
  // (async: the servers live in this process, so it must not block while the CLI runs)
  const child = spawn(process.execPath, [bin, 'extract', `${allowed}/cogs/redirect.tif`, '--model', model, '-o', path.join(dir, 'o.geojson'), '--quiet']);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const r = { status, stderr };
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /redirect to .* refused/);
  assert.equal(evilHits, 0);
});
