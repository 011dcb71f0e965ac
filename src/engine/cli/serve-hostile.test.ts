// Regression (issue 18): `serve` with a bad --model or --device started and failed only at the first
// request; SIGTERM did not stop a server busy with a hostile request. Both on a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpDir } from '../testing/raster-fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const root = tmpDir('fsg-serve-hostile-');

test('serve fails at start (exit 1, a message naming the flag or file) with a bad --model, --device or CLIP file', () => {
  writeFileSync(path.join(root, 'junk.onnx'), 'not a model');
  const cases: Array<[string[], RegExp]> = [
    [['--model', path.join(root, 'junk.onnx')], /not an ONNX model/],
    [['--model', path.join(root, 'missing.onnx')], /not found|does not exist/],
    [['--model', '/dev/zero'], /not a regular file/],
    [['--device', 'tpu'], /device/i],
    [['--clip-vision', path.join(root, 'missing-vision.onnx')], /--clip-vision/],
  ];
  for (const [args, message] of cases) {
    const r = spawnSync(process.execPath, [bin, 'serve', '--root', root, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}, stdout ${r.stdout} stderr ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stdout, /listening on/);
  }
});

test('SIGTERM stops the server within a few seconds while a client trickles a request body', async () => {
  const child = spawn(process.execPath, [bin, 'serve', '--root', root], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\ntoken: (\S+)\n/.exec(out);
      if (m) resolve({ port: Number(m[1]), token: m[2] });
    });
    child.on('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
  });
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.on('error', () => {});
  sock.write(`POST /api/jobs HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: token ${token}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"pa`);
  const trickle = setInterval(() => sock.write(' '), 200);
  const exited = new Promise<number | null>((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
  });
  child.kill('SIGTERM');
  // A hang shows as this bound being hit (the test's own time limit), not as a timing measurement.
  const bound = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000).unref());
  const code = await Promise.race([exited, bound]);
  clearInterval(trickle);
  sock.destroy();
  if (code === 'hung') child.kill('SIGKILL');
  assert.notEqual(code, 'hung', 'the server did not exit after SIGTERM');
});
