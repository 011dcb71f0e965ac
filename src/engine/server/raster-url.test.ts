// GET /api/raster?url= on the real server: a COG (with overviews, written by gdal_translate from the
// SpaceNet GeoTIFF) served over HTTP range requests by a real server on loopback. URLs are opened only
// under an allowed prefix; everything else is FORBIDDEN and the server keeps serving.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startTestServer, type TestServer } from '../testing/server.js';
import { copyAtlanta, gdalinfo } from '../testing/server-data.js';
import { tmpDir } from '../testing/raster-fixtures.js';

let files: string;
let cog: string;
let remote: http.Server;
let remoteUrl: string;
let open: TestServer; // URLs allowed under <remote>/cogs/
let closed: TestServer; // default: URLs refused
const requests: string[] = [];

/** A static file server that answers Range requests with 206, like any COG host. */
function rangeServer(dir: string): http.Server {
  return http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const rel = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/cogs\//, '');
    const file = path.join(dir, path.basename(rel));
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
      createReadStream(file).pipe(res);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(m[2] ? Number(m[2]) : size - 1, size - 1);
    res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
    createReadStream(file, { start, end }).pipe(res);
  });
}

before(async () => {
  files = tmpDir('fsg-cog-');
  const src = copyAtlanta(files, 'src.tif');
  cog = path.join(files, 'atlanta-cog.tif');
  const r = spawnSync('gdal_translate', ['-q', '-of', 'COG', '-co', 'BLOCKSIZE=256', '-co', 'OVERVIEWS=AUTO', src, cog], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  remote = rangeServer(files);
  await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
  remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
  open = await startTestServer({ allowUrls: [`${remoteUrl}/cogs/`] });
  closed = await startTestServer();
});
after(async () => {
  await open.close();
  await closed.close();
  await new Promise<void>((resolve) => remote.close(() => resolve()));
});

async function errorOf(res: Response): Promise<[number, string, string]> {
  const body = await res.json() as { error: { code: string; message: string } };
  return [res.status, body.error.code, body.error.message];
}

test('a COG URL under an allowed prefix is described as gdalinfo describes the file, overviews included', async () => {
  const before = requests.length;
  const res = await open.api(`/api/raster?url=${encodeURIComponent(`${remoteUrl}/cogs/atlanta-cog.tif`)}`);
  assert.equal(res.status, 200, await res.clone().text());
  const info = await res.json() as any;
  const g = gdalinfo(cog);
  assert.equal(info.path, `${remoteUrl}/cogs/atlanta-cog.tif`);
  assert.deepEqual([info.width, info.height], g.size);
  assert.equal(info.bands, g.bands.length);
  assert.equal(info.dtype, g.bands[0].type.toLowerCase());
  assert.equal(info.crs, 'EPSG:32616');
  const ring = g.wgs84Extent.coordinates[0] as number[][];
  const ref = [Math.min(...ring.map((p) => p[0])), Math.min(...ring.map((p) => p[1])), Math.max(...ring.map((p) => p[0])), Math.max(...ring.map((p) => p[1]))];
  info.bounds_wgs84.forEach((v: number, k: number) => assert.ok(Math.abs(v - ref[k]) < 1e-6, `bounds_wgs84[${k}]`));
  const overviews = (g.bands[0].overviews as Array<{ size: [number, number] }>).map((o) => ({ width: o.size[0], height: o.size[1] }));
  assert.ok(overviews.length >= 1, 'the COG has overviews');
  assert.deepEqual(info.overviews, overviews);
  assert.ok(requests.length > before, 'the engine read the COG over HTTP');
  // the same file by path gives the same metadata
  const { copyFileSync } = await import('node:fs');
  copyFileSync(cog, path.join(open.root, 'atlanta-cog.tif'));
  const byPath = await (await open.api('/api/raster?path=atlanta-cog.tif')).json() as any;
  assert.deepEqual({ ...byPath, path: null }, { ...info, path: null });
});

test('URLs are refused (403 FORBIDDEN) unless allowed, and the server keeps serving', async () => {
  const ok = `${remoteUrl}/cogs/atlanta-cog.tif`;
  const [s0, c0, m0] = await errorOf(await closed.api(`/api/raster?url=${encodeURIComponent(ok)}`));
  assert.deepEqual([s0, c0], [403, 'FORBIDDEN']);
  assert.match(m0, /--allow-url/);
  for (const bad of [
    `${remoteUrl}/other/atlanta-cog.tif`, // another folder
    `${remoteUrl}/cogs-evil/atlanta-cog.tif`, // prefix without its '/' boundary
    `${remoteUrl}/cogs/../src.tif`, // traversal, resolved by the URL parser
    `${remoteUrl}/cogs/%2e%2e/src.tif`, // encoded traversal
    `${remoteUrl}/cogs/..%2fsrc.tif`, // encoded slash
    `${remoteUrl}/cogs/%252e%252e%252fsrc.tif`, // double-encoded
    `http://user:pw@${remoteUrl.slice(7)}/cogs/atlanta-cog.tif`, // credentials
    `http://127.0.0.2:${new URL(remoteUrl).port}/cogs/atlanta-cog.tif`, // another host
    'file:///etc/passwd',
  ]) {
    const [s, c, m] = await errorOf(await open.api(`/api/raster?url=${encodeURIComponent(bad)}`));
    assert.deepEqual([s, c], [403, 'FORBIDDEN'], `${bad}: ${m}`);
  }
  for (const q of ['url=not%20a%20url', `path=a.tif&url=${encodeURIComponent(ok)}`, '']) {
    const [s, c, m] = await errorOf(await open.api(`/api/raster?${q}`));
    assert.deepEqual([s, c], [400, 'BAD_INPUT'], `${q}: ${m}`);
  }
  // a URL under the prefix that is not there: the remote 404 is a BAD_IMAGE with the URL in it
  const [s1, c1, m1] = await errorOf(await open.api(`/api/raster?url=${encodeURIComponent(`${remoteUrl}/cogs/missing.tif`)}`));
  assert.deepEqual([s1, c1], [422, 'BAD_IMAGE']);
  assert.match(m1, /missing\.tif/);
  assert.equal((await open.api('/api/health')).status, 200);
  assert.equal((await closed.api('/api/health')).status, 200);
});
