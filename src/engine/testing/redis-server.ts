/**
 * A real redis-server for tests (Debian's redis-server package): its own loopback port and temp data
 * directory, no persistence, waited on until PING answers, stopped and removed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.setTimeout(500, () => { sock.destroy(); resolve(false); });
    sock.on('error', () => resolve(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) { sock.destroy(); resolve(got.startsWith('+PONG')); }
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fsg-redis-'));
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let failed: Error | null = null;
    child.once('error', (e) => { failed = new Error(`redis-server could not start (${e.message}): install it (scripts/setup-system.sh)`); });
    const deadline = Date.now() + 20_000;
    while (!failed && child.exitCode === null && Date.now() < deadline && !(await ping(port))) await new Promise((r) => setTimeout(r, 50));
    if (!failed && child.exitCode === null && (await ping(port))) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        async stop() {
          child.kill('SIGTERM');
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (failed) {
      rmSync(dir, { recursive: true, force: true });
      throw failed;
    }
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    if (attempt >= 2) throw new Error(`redis-server did not answer PING on port ${port}: ${log}`);
  }
}
