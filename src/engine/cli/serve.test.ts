// `fastsam-geo serve` as a user runs it: a real child process on loopback. It prints
// `listening on http://127.0.0.1:PORT` and `token: T` (given, from $FASTSAM_GEO_TOKEN, or random),
// answers /api with that token only, and stops on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpDir } from '../testing/raster-fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const root = tmpDir('fsg-serve-cli-');

interface Served { child: ChildProcess; url: string; token: string; stdout: string }

function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const cleanEnv = { ...process.env, ...env };
  if (!('FASTSAM_GEO_TOKEN' in env)) delete cleanEnv.FASTSAM_GEO_TOKEN;
  const child = spawn(process.execPath, [bin, 'serve', '--root', root, ...args], { env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\ntoken: (\S+)\n/.exec(out);
      if (m) resolve({ child, url: m[1], token: m[2], stdout: out });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

function stop(s: Served): Promise<number | null> {
  return new Promise((resolve) => {
    s.child.removeAllListeners('exit');
    s.child.once('exit', (code) => resolve(code));
    s.child.kill('SIGTERM');
  });
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('serve --port N --token T prints the URL and the token, answers with T only, exits 0 on SIGTERM', async () => {
  const port = await freePort();
  const s = await serve(['--port', String(port), '--token', 'my-secret-token-123']);
  try {
    assert.equal(s.url, `http://127.0.0.1:${port}`);
    assert.equal(s.token, 'my-secret-token-123');
    const ok = await fetch(`${s.url}/api/health`, { headers: { authorization: `token ${s.token}` } });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json() as { status: string }).status, 'ok');
    const no = await fetch(`${s.url}/api/health`);
    assert.equal(no.status, 401);
    assert.equal((await no.json() as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  } finally {
    assert.equal(await stop(s), 0);
  }
});

test('without --token the token comes from $FASTSAM_GEO_TOKEN, else it is random (64 hex digits)', async () => {
  const fromEnv = await serve([], { FASTSAM_GEO_TOKEN: 'token-from-the-environment' });
  assert.equal(fromEnv.token, 'token-from-the-environment');
  await stop(fromEnv);
  const a = await serve([]);
  const b = await serve([]);
  try {
    assert.match(a.token, /^[0-9a-f]{64}$/);
    assert.notEqual(a.token, b.token);
    assert.notEqual(a.url, b.url, 'port 0 picks a free port each time');
    assert.equal((await fetch(`${a.url}/api/health`, { headers: { authorization: `token ${a.token}` } })).status, 200);
    assert.equal((await fetch(`${a.url}/api/health`, { headers: { authorization: `token ${b.token}` } })).status, 401);
  } finally {
    await stop(a);
    await stop(b);
  }
});

test('serve refuses a missing root, a bad port, a short token and a bad --allow-url with a message', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'serve', ...args], { encoding: 'utf8' });
  const cases: Array<[string[], RegExp]> = [
    [[], /--root: missing/],
    [['--root', path.join(root, 'nope')], /does not exist/],
    [['--root', root, '--port', '70000'], /--port: got 70000/],
    [['--root', root, '--token', 'short'], /token: got 5 characters, expected at least 8/],
    [['--root', root, '--allow-url', 'ftp://x/'], /expected an http\(s\) URL/],
  ];
  for (const [args, re] of cases) {
    const r = run(...args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
});
