// Regression (issue 18): the token was checked only when the raw URL started with '/api/', while the
// router decodes it: GET /%61pi/health, absolute-form targets, ... reached routes without a token.
// Every route, with raw, percent-encoded (each character), double-encoded, mixed-case, dot-segment and
// absolute-form targets, and bad Host headers, over a real socket (fetch would normalize the target).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { startTestServer, type TestServer } from '../testing/server.js';
import { isLoopbackAuthority } from './gate.js';

let t: TestServer;
let port: number;

before(async () => {
  t = await startTestServer();
  port = Number(new URL(t.url).port);
});
after(() => t.close());

interface Raw { status: number; headers: string; body: string }

/** One raw HTTP/1.1 request on a fresh connection; the target and headers are sent as given. */
function raw(method: string, target: string, headers: Record<string, string>, body = ''): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, headers: text.slice(0, split), body: text.slice(split + 4) });
    });
    const lines = [`${method} ${target} HTTP/1.1`, 'connection: close'];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (method === 'POST') lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
    sock.end(lines.join('\r\n') + '\r\n\r\n' + body);
  });
}

const ROUTES: Array<[string, string, string?]> = [
  ['GET', '/api/health'], ['GET', '/api/models'], ['GET', '/api/raster?path=a.tif'],
  ['POST', '/api/jobs', '{"path":"a.tif"}'], ['GET', '/api/jobs/x'], ['GET', '/api/jobs/x/events'],
  ['DELETE', '/api/jobs/x'], ['GET', '/api/jobs/x/result'], ['POST', '/api/prompt', '{}'],
  ['POST', '/api/export', '{"path":"pwned.geojson","collection":{"type":"FeatureCollection","features":[]}}'],
  ['GET', '/api/no-such-route'], ['GET', '/'], ['GET', '/api'],
];

/** Every spelling of a path a router might decode to the same route. */
function variants(p: string): string[] {
  const [pathname, query] = p.split('?');
  const q = query ? `?${query}` : '';
  const out = new Set<string>([p]);
  const enc = (c: string) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0');
  for (let i = 1; i < pathname.length; i++) {
    if (pathname[i] === '/') continue;
    out.add(pathname.slice(0, i) + enc(pathname[i]) + pathname.slice(i + 1) + q); // one character encoded
    out.add(pathname.slice(0, i) + enc(pathname[i]).toUpperCase() + pathname.slice(i + 1) + q);
    out.add(pathname.slice(0, i) + '%25' + enc(pathname[i]).slice(1) + pathname.slice(i + 1) + q); // double
  }
  out.add(pathname.replace(/[^/]/g, enc) + q); // every character encoded
  out.add(pathname.replace(/\//g, '%2f') + q);
  out.add(pathname.toUpperCase() + q);
  out.add(pathname.replace(/a/g, 'A') + q);
  out.add(pathname + '/' + q);
  out.add('/.' + pathname + q);
  out.add('/x/..' + pathname + q);
  out.add('/%2e/' + pathname.slice(1) + q);
  out.add(pathname.replace('/api', '/api/.') + q);
  out.add(pathname + '%00' + q);
  out.add(pathname + ';x' + q);
  out.add(`http://127.0.0.1:${port}${p}`);
  out.add(`HTTP://LOCALHOST:${port}${p}`);
  out.add(`http://[::1]:${port}${pathname.replace(/a/, '%61')}${q}`);
  out.add(`http://evil.example:${port}${p}`);
  out.add(`http://127.0.0.1:1${p}`);
  out.add('//evil.example' + p);
  return [...out];
}

test('no route answers 2xx without the token, whatever the spelling of its path (raw socket)', async () => {
  const goodHost = { host: `127.0.0.1:${port}` };
  let n = 0;
  for (const [method, p, body] of ROUTES) {
    for (const target of variants(p)) {
      for (const headers of [goodHost, { ...goodHost, authorization: 'token wrong-token-0123456789' }, { ...goodHost, authorization: `Bearer ${t.token}` }]) {
        const r = await raw(method, target, headers, body);
        n++;
        assert.ok([400, 401, 403, 404].includes(r.status), `${method} ${target} ${JSON.stringify(headers)}: ${r.status} ${r.body}`);
        if (r.status !== 400 || r.body.startsWith('{')) {
          const e = JSON.parse(r.body) as { error: { code: string; message: string } };
          assert.equal(typeof e.error.code, 'string', `${method} ${target}: ${r.body}`);
        }
      }
    }
  }
  assert.ok(n > 500, `${n} probes`);
  assert.deepEqual(readdirSync(t.root), [], 'nothing was written in the root');
});

test('a bad Host header is refused (403 FORBIDDEN) even with the right token: no DNS rebinding', async () => {
  const auth = { authorization: `token ${t.token}` };
  for (const host of [`evil.example:${port}`, `127.0.0.1`, `localhost`, `127.0.0.1:${port + 1}`, `127.0.0.2:${port}`, `0.0.0.0:${port}`,
    `[::ffff:127.0.0.1]:${port}`, `127.0.0.1:${port}.evil.example`, `localhost.:${port}`, `127.0.0.1:${port}@evil`, '', `2130706433:${port}`]) {
    for (const [method, p, body] of ROUTES) {
      const r = await raw(method, p, { ...auth, host }, body);
      assert.ok(r.status === 403 || r.status === 400, `${method} ${p} Host '${host}': ${r.status} ${r.body}`);
    }
  }
  const none = await raw('GET', '/api/health', auth);
  assert.equal(none.status, 400, 'HTTP/1.1 without Host is refused by the parser or the gate');
  assert.deepEqual(readdirSync(t.root), []);
});

test('with the token and a loopback Host every spelling of Host and absolute-form target is served', async () => {
  const auth = { authorization: `token ${t.token}` };
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`]) {
    const r = await raw('GET', '/api/health', { ...auth, host });
    assert.equal(r.status, 200, `${host}: ${r.body}`);
  }
  for (const target of [`http://127.0.0.1:${port}/api/health`, `http://localhost:${port}/api/health`, `http://[::1]:${port}/%61pi/health`]) {
    const r = await raw('GET', target, { ...auth, host: `127.0.0.1:${port}` });
    assert.equal(r.status, 200, `${target}: ${r.body}`);
  }
  for (const target of [`http://evil.example:${port}/api/health`, `https://127.0.0.1:${port}/api/health`, `http://u:p@127.0.0.1:${port}/api/health`, '*']) {
    const r = await raw('GET', target, { ...auth, host: `127.0.0.1:${port}` });
    assert.ok(r.status === 403 || r.status === 400, `${target}: ${r.status} ${r.body}`);
  }
});

test('isLoopbackAuthority: only 127.0.0.1, localhost and [::1] with the exact port', () => {
  assert.equal(isLoopbackAuthority('127.0.0.1:8888', 8888), true);
  assert.equal(isLoopbackAuthority('LOCALHOST:8888', 8888), true);
  assert.equal(isLoopbackAuthority('[::1]:8888', 8888), true);
  for (const bad of ['127.0.0.1', '127.0.0.1:8889', 'evil:8888', '[::2]:8888', '127.0.0.1:8888:1', ' ', undefined]) {
    assert.equal(isLoopbackAuthority(bad, 8888), false, String(bad));
  }
});

test("node's parser errors come in the documented error shape (bad Content-Length, 431)", async () => {
  const host = { host: `127.0.0.1:${port}`, authorization: `token ${t.token}` };
  const r1 = await new Promise<Raw>((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    sock.on('data', (c) => { text += c; });
    sock.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), headers: '', body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
    sock.end(`POST /api/jobs HTTP/1.1\r\nhost: ${host.host}\r\nauthorization: ${host.authorization}\r\ncontent-type: application/json\r\ncontent-length: abc\r\n\r\n{}`);
  });
  assert.equal(r1.status, 400);
  assert.equal((JSON.parse(r1.body) as { error: { code: string } }).error.code, 'BAD_INPUT');
  const r2 = await raw('GET', '/api/health', { ...host, 'x-big': 'a'.repeat(40_000) });
  assert.equal(r2.status, 431);
  assert.equal((JSON.parse(r2.body) as { error: { code: string } }).error.code, 'TOO_LARGE');
  const ok = await t.api('/api/health');
  assert.equal(ok.status, 200);
});

test('deeply nested JSON bodies are BAD_INPUT naming the limit, not a stack overflow (500)', async () => {
  for (const [open, close] of [['[', ']'], ['{"a":', '}']]) {
    const body = `{"path":"x.geojson","collection":{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":${open.repeat(100_000)}1${close.repeat(100_000)}}]}}`;
    const res = await t.api('/api/export', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const e = await res.json() as { error: { code: string; message: string } };
    assert.equal(res.status, 400, JSON.stringify(e));
    assert.equal(e.error.code, 'BAD_INPUT');
    assert.match(e.error.message, /nested deeper than 256/);
  }
  const ok = await t.api('/api/health');
  assert.equal(ok.status, 200);
});
