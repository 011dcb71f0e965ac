/**
 * Reading an input file whole (models, CLIP files, images) without hanging or exhausting memory: it is
 * opened non-blocking (a FIFO cannot block the open), must be a regular file (not /dev/zero, a FIFO, a
 * socket or a directory) and no larger than `maxBytes`; exactly its size is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, promises as fs } from 'node:fs';
import { EngineError } from '../errors.js';
import { ioError } from './io-error.js';

export interface ReadInputOptions {
  /** Largest accepted size in bytes. */
  maxBytes: number;
  /** What the file is, for messages ('model', 'image', 'CLIP BPE merges file'). */
  what: string;
  /** Error code for a file that is not a regular file or too large (default BAD_INPUT). */
  code?: EngineError['code'];
}

function checkStat(file: string, st: { isFile(): boolean; isDirectory(): boolean; size: number }, o: ReadInputOptions): void {
  const code = o.code ?? 'BAD_INPUT';
  if (st.isDirectory()) throw new EngineError(code, `${o.what} '${file}' is a directory, expected a file`);
  if (!st.isFile()) throw new EngineError(code, `${o.what} '${file}' is not a regular file (a device, FIFO or socket): refusing to read it`);
  if (st.size > o.maxBytes) {
    throw new EngineError('TOO_LARGE', `${o.what} '${file}' is ${st.size} bytes, more than the limit of ${o.maxBytes}`);
  }
}

function notFound(err: unknown, file: string, o: ReadInputOptions): EngineError {
  if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return new EngineError('NOT_FOUND', `${o.what} file not found: ${file}`);
  return ioError(err, file, `reading ${o.what}`);
}

/** The whole content of a regular file of at most maxBytes. */
export async function readInputFile(file: string, o: ReadInputOptions): Promise<Uint8Array> {
  let h: fs.FileHandle;
  try {
    h = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw notFound(err, file, o);
  }
  try {
    const st = await h.stat();
    checkStat(file, st, o);
    const buf = new Uint8Array(st.size);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await h.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === buf.length ? buf : buf.subarray(0, off);
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw notFound(err, file, o);
  } finally {
    await h.close().catch(() => {});
  }
}

/** Synchronous readInputFile (for loaders that are synchronous). */
export function readInputFileSync(file: string, o: ReadInputOptions): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw notFound(err, file, o);
  }
  try {
    const st = fstatSync(fd);
    checkStat(file, st, o);
    const buf = new Uint8Array(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === buf.length ? buf : buf.subarray(0, off);
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw notFound(err, file, o);
  } finally {
    closeSync(fd);
  }
}
