// Security and robustness of the real server on loopback: auth, path confinement, body limit,
// malformed input. After every bad request the server must still answer.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startTestServer, type TestServer } from '../testing/server.js';
import { tokenMatches, checkAuthorization } from './auth.js';
import { tmpDir } from '../testing/raster-fixtures.js';

let t: TestServer;
let outside: string;

before(async () => {
  t = await startTestServer({ bodyLimit: 64 * 1024 });
  outside = tmpDir('fsg-outside-');
  writeFileSync(path.join(outside, 'secret.tif'), 'secret');
  symlinkSync(path.join(outside, 'secret.tif'), path.join(t.root, 'escape.tif'));
  symlinkSync(outside, path.join(t.root, 'escape-dir'));
  mkdirSync(path.join(t.root, 'data'));
});
after(() => t.close());

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = await res.json() as { error: { code: string; message: string } };
  assert.equal(typeof body.error?.code, 'string', `error body: ${JSON.stringify(body)}`);
  assert.equal(typeof body.error?.message, 'string');
  return { status: res.status, ...body.error };
}

async function assertAlive(): Promise<void> {
  const res = await t.api('/api/health');
  assert.equal(res.status, 200);
  assert.equal((await res.json() as { status: string }).status, 'ok');
}

test('the server binds 127.0.0.1 only', () => {
  const addr = t.server.app.server.address() as net.AddressInfo;
  assert.equal(addr.address, '127.0.0.1');
  assert.match(t.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('every /api route refuses a request without the token or with a wrong one (401)', async () => {
  const routes: Array<[string, string]> = [
    ['GET', '/api/health'], ['GET', '/api/models'], ['GET', '/api/raster?path=a.tif'], ['POST', '/api/jobs'],
    ['GET', '/api/jobs/x'], ['GET', '/api/jobs/x/events'], ['DELETE', '/api/jobs/x'], ['GET', '/api/jobs/x/result'],
    ['POST', '/api/prompt'], ['POST', '/api/export'], ['GET', '/api/no-such-route'],
  ];
  for (const [method, p] of routes) {
    for (const authorization of [undefined, 'token wrong-token-0123456789', `Bearer ${t.token}`, 'token ', `token ${t.token}x`]) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization !== undefined) headers.authorization = authorization;
      const res = await fetch(t.url + p, { method, headers, body: method === 'POST' ? '{}' : undefined });
      const e = await errorOf(res);
      assert.equal(e.status, 401, `${method} ${p} with ${authorization}`);
      assert.equal(e.code, 'UNAUTHORIZED');
    }
  }
  await assertAlive();
});

test('constant-time token check: equal tokens match, any difference does not', () => {
  assert.equal(tokenMatches('abcdefgh', 'abcdefgh'), true);
  assert.equal(tokenMatches('abcdefgh', 'abcdefgi'), false);
  assert.equal(tokenMatches('abcdefg', 'abcdefgh'), false);
  assert.doesNotThrow(() => checkAuthorization('token abcdefgh', 'abcdefgh'));
  assert.doesNotThrow(() => checkAuthorization('Token   abcdefgh', 'abcdefgh'));
});

test('traversal (../, absolute, URL-encoded, symlink) is refused with 403 FORBIDDEN on every path-taking route', async () => {
  const bad = [
    '../etc/passwd', 'data/../../x.tif', '/etc/passwd', '..%2F..%2Fetc%2Fpasswd', '%2e%2e/x.tif', '%2e%2e%2fx.tif',
    '%252e%252e%252fx.tif', 'data%2F%2E%2E%2F%2E%2E%2Fx.tif', '%2Fetc%2Fpasswd', 'escape.tif', 'escape-dir/secret.tif',
  ];
  for (const p of bad) {
    // in a query string (encoded once more by the client, decoded once by the server)
    const r1 = await errorOf(await t.api(`/api/raster?path=${encodeURIComponent(p)}`));
    assert.deepEqual([r1.status, r1.code], [403, 'FORBIDDEN'], `raster ${p}: ${r1.message}`);
    const r2 = await errorOf(await t.api('/api/jobs', { method: 'POST', json: { path: p } }));
    assert.deepEqual([r2.status, r2.code], [403, 'FORBIDDEN'], `jobs ${p}`);
    const r3 = await errorOf(await t.api('/api/prompt', { method: 'POST', json: { path: p, points: [{ x: 0, y: 0, label: 1 }] } }));
    assert.deepEqual([r3.status, r3.code], [403, 'FORBIDDEN'], `prompt ${p}`);
  }
  // raw, undecoded traversal in the URL itself
  const raw = await errorOf(await t.api('/api/raster?path=../../../../etc/passwd'));
  assert.deepEqual([raw.status, raw.code], [403, 'FORBIDDEN']);
  for (const p of ['../x.geojson', '/tmp/x.geojson', 'escape-dir/x.geojson', '%2e%2e/x.geojson', '%2e%2e%2fx.geojson', '%252e%252e%252fx.geojson']) {
    const e = await errorOf(await t.api('/api/export', { method: 'POST', json: { path: p, collection: { type: 'FeatureCollection', features: [] } } }));
    assert.deepEqual([e.status, e.code], [403, 'FORBIDDEN'], `export ${p}`);
  }
  await assertAlive();
});

test('an oversized body is refused with 413 TOO_LARGE', async () => {
  const big = JSON.stringify({ path: 'a.geojson', collection: { type: 'FeatureCollection', features: [] }, pad: 'x'.repeat(100 * 1024) });
  const e = await errorOf(await t.api('/api/export', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } }));
  assert.deepEqual([e.status, e.code], [413, 'TOO_LARGE']);
  assert.match(e.message, /65536 bytes/);
  await assertAlive();
});

test('malformed JSON and wrong types are 400 BAD_INPUT with a message naming the problem', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['/api/jobs', '{"path": "a.tif",', /malformed JSON/],
    ['/api/jobs', '', /empty JSON body|body/],
    ['/api/jobs', '"just a string"', /expected object/],
    ['/api/jobs', '{"path": 42}', /body\.path: expected string/],
    ['/api/jobs', '{}', /missing required field 'path'/],
    ['/api/jobs', '{"path": "a.tif", "extent": {"bbox": [1, 2, 3]}}', /bbox/],
    ['/api/jobs', '{"path": "a.tif", "options": {"conf": "high"}}', /options\.conf: expected number/],
    ['/api/jobs', '{"path": "a.tif", "colour": "red"}', /unknown field 'colour'/],
    ['/api/prompt', '{"path": "a.tif", "points": [{"x": "1", "y": 2}]}', /points\.0\.x: expected number/],
    ['/api/prompt', '{"path": "a.tif"}', /no points, boxes or text/],
    ['/api/export', '{"path": "a.txt", "collection": {"type": "FeatureCollection", "features": []}}', /path/],
    ['/api/export', '{"path": "a.geojson", "collection": {"type": "Feature"}}', /collection/],
  ];
  for (const [route, body, re] of cases) {
    const res = await t.api(route, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const e = await errorOf(res);
    assert.equal(e.status, 400, `${route} ${body}: ${e.status} ${e.message}`);
    assert.equal(e.code, 'BAD_INPUT');
    assert.match(e.message, re, `${route} ${body}`);
  }
  const nt = await errorOf(await t.api('/api/jobs', { method: 'POST', body: 'path=a.tif', headers: { 'content-type': 'text/plain' } }));
  assert.equal(nt.code, 'BAD_INPUT');
  assert.match(nt.message, /application\/json/);
  await assertAlive();
});

test('unknown routes and jobs are 404 NOT_FOUND; a half-sent request does not hurt the server', async () => {
  const e = await errorOf(await t.api('/api/nothing-here'));
  assert.deepEqual([e.status, e.code], [404, 'NOT_FOUND']);
  const j = await errorOf(await t.api('/api/jobs/00000000-0000-0000-0000-000000000000'));
  assert.deepEqual([j.status, j.code], [404, 'NOT_FOUND']);
  const m = await errorOf(await t.api('/api/raster?path=missing.tif'));
  assert.deepEqual([m.status, m.code], [404, 'NOT_FOUND']);
  assert.match(m.message, /missing\.tif/);
  // a client that announces a body and hangs up halfway
  const { port } = new URL(t.url);
  await new Promise<void>((resolve) => {
    const s = net.connect(Number(port), '127.0.0.1', () => {
      s.write(`POST /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: token ${t.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"path":`);
      setTimeout(() => { s.destroy(); resolve(); }, 50);
    });
  });
  await assertAlive();
});
