/**
 * downloadFile(url, dest, {sha256}): streams a URL to `<dest>.<random>.part` beside the target,
 * hashing as it goes, then renames it over `dest` only when complete and (when a checksum is known)
 * matching. Any failure (no network, HTTP error, checksum mismatch, abort) leaves no file behind and
 * throws DOWNLOAD_FAILED (or ABORTED).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { EngineError } from '../errors.js';

export interface DownloadOptions {
  /** Expected sha256 (hex); null/undefined: not verified (the computed hash is returned). */
  sha256?: string | null;
  /** Called with bytes received and the total (null when the server sends no length). */
  onProgress?: (received: number, total: number | null) => void;
  signal?: AbortSignal;
}

export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<{ path: string; bytes: number; sha256: string }> {
  const dir = path.dirname(path.resolve(dest));
  await fs.mkdir(dir, { recursive: true });
  const part = path.join(dir, `.${path.basename(dest)}.${randomBytes(4).toString('hex')}.part`);
  let res: Response;
  try {
    res = await fetch(url, { signal: options.signal, redirect: 'follow' });
  } catch (err) {
    if (options.signal?.aborted) throw new EngineError('ABORTED', 'cancelled');
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new EngineError('DOWNLOAD_FAILED', `cannot download ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message} (no internet access?)`);
  }
  if (!res.ok || !res.body) {
    throw new EngineError('DOWNLOAD_FAILED', `cannot download ${url}: HTTP ${res.status} ${res.statusText}`);
  }
  const total = Number(res.headers.get('content-length')) || null;
  const hash = createHash('sha256');
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      received += chunk.length;
      options.onProgress?.(received, total);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), meter, createWriteStream(part), { signal: options.signal });
    const sha256 = hash.digest('hex');
    if (options.sha256 && options.sha256.toLowerCase() !== sha256) {
      throw new EngineError('DOWNLOAD_FAILED', `checksum mismatch for ${url}: got sha256 ${sha256}, expected ${options.sha256}`);
    }
    if (total !== null && received !== total) {
      throw new EngineError('DOWNLOAD_FAILED', `incomplete download of ${url}: got ${received} bytes, expected ${total}`);
    }
    await fs.rename(part, dest);
    return { path: path.resolve(dest), bytes: received, sha256 };
  } catch (err) {
    await fs.rm(part, { force: true });
    if (err instanceof EngineError) throw err;
    if (options.signal?.aborted) throw new EngineError('ABORTED', 'cancelled');
    throw new EngineError('DOWNLOAD_FAILED', `download of ${url} failed: ${(err as Error).message}`);
  }
}

/** A one-line progress bar on stderr ("FastSAM-s.pt  45% [=========           ] 10.2/22.7 MB"). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): (received: number, total: number | null) => void {
  let last = 0;
  return (received, total) => {
    const now = Date.now();
    const done = total !== null && received >= total;
    if (!done && now - last < 200) return;
    last = now;
    const mb = (n: number) => (n / 1e6).toFixed(1);
    let line: string;
    if (total) {
      const f = Math.min(1, received / total);
      const width = 30;
      const fill = Math.round(f * width);
      line = `${label} ${String(Math.round(f * 100)).padStart(3)}% [${'='.repeat(fill)}${' '.repeat(width - fill)}] ${mb(received)}/${mb(total)} MB`;
    } else {
      line = `${label} ${mb(received)} MB`;
    }
    if (stream.isTTY) stream.write(`\r${line}${done ? '\n' : ''}`);
    else if (done) stream.write(`${line}\n`);
  };
}
