/**
 * Output-path safety for every writer (CLI outputs, POST /api/export, any new format):
 *
 * - `checkOutputPath(target, {inputs, extensions})`: refuses an output that is a symbolic link (a
 *   writer never writes through one: the rule on extensions then applies to the real target), that
 *   exists but is not a regular file (directory, device such as /dev/null, FIFO, socket), whose name
 *   is '.', '..' or ends in '/', whose file name is longer than 255 bytes, or that is one of the inputs
 *   (same device and inode: also through links, hard links and different spellings).
 * - `writeOutput(target, data, options)`: `-` writes to stdout; anything else is checked, then written
 *   atomically (util/atomic-write: a short temp name beside it, fsync, rename).
 * - `ioError(err, file)`: an operating-system error as an EngineError with its own code (NO_SPACE,
 *   READ_ONLY, NAME_TOO_LONG, BUSY, PERMISSION_DENIED, NOT_FOUND, IO_ERROR) and the file in the message.
 */
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { ioError } from './io-error.js';

export { ioError };

/** Longest file name (one path component) most file systems accept, in bytes. */
export const MAX_NAME_BYTES = 255;

export interface OutputPathOptions {
  /** Files the output must not be (compared by device and inode once resolved). */
  inputs?: readonly string[];
  /** Allowed extensions of the output's name, lowercase with the dot ('.geojson'); default any. */
  extensions?: readonly string[];
  /** Refuse an existing output (BAD_INPUT). Default false. */
  noOverwrite?: boolean;
  /** How to name the file in messages (default: the path as given). */
  display?: string;
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Checks that `target` may be written; returns its absolute path (the parent directory's real path +
 * the name, never a link's target). Throws a classified EngineError otherwise.
 */
export async function checkOutputPath(target: string, options: OutputPathOptions = {}): Promise<string> {
  const shown = options.display ?? target;
  if (typeof target !== 'string' || target.length === 0) {
    throw new EngineError('BAD_INPUT', `output path: got ${JSON.stringify(target)}, expected a file path`);
  }
  if (target.includes('\0')) throw new EngineError('BAD_INPUT', `output path '${shown}': contains a NUL byte`);
  const base = path.basename(target);
  if (target.endsWith('/') || target.endsWith(path.sep) || base === '.' || base === '..' || base === '') {
    throw new EngineError('BAD_INPUT', `output '${shown}' is a directory, expected a file name`);
  }
  if (Buffer.byteLength(base) > MAX_NAME_BYTES) {
    throw new EngineError('NAME_TOO_LONG', `output '${shown}': the file name is ${Buffer.byteLength(base)} bytes, longer than ${MAX_NAME_BYTES}`);
  }
  if (options.extensions?.length) {
    const ext = path.extname(base).toLowerCase();
    if (!options.extensions.includes(ext)) {
      throw new EngineError('BAD_INPUT', `output '${shown}': expected a file name ending in ${options.extensions.join(', ')}`);
    }
  }
  let dir: string;
  try {
    dir = await fs.realpath(path.dirname(path.resolve(target)));
  } catch (err) {
    throw ioError(err, path.dirname(shown) || '.', 'opening the output directory of');
  }
  const dst = await fs.stat(dir).catch(() => null);
  if (!dst?.isDirectory()) throw new EngineError('NOT_FOUND', `output directory of '${shown}' is not a directory`);
  const abs = path.join(dir, base);
  let st: Stats | null;
  try {
    st = await fs.lstat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(err, shown, 'checking');
    st = null;
  }
  if (st) {
    if (st.isSymbolicLink()) {
      throw new EngineError('FORBIDDEN', `output '${shown}' is a symbolic link: refusing to write through it (give the real file, or remove the link)`);
    }
    if (st.isDirectory()) throw new EngineError('BAD_INPUT', `output '${shown}' is a directory, expected a file name`);
    if (!st.isFile()) {
      throw new EngineError('BAD_INPUT', `output '${shown}' exists and is not a regular file (a device, FIFO or socket): refusing to replace it`);
    }
    if (options.noOverwrite) throw new EngineError('BAD_INPUT', `output '${shown}' exists (overwrite not allowed)`);
    for (const input of options.inputs ?? []) {
      const ist = await fs.stat(input).catch(() => null);
      if (ist && sameFile(ist, st)) {
        throw new EngineError('BAD_INPUT', `output '${shown}' is the input '${input}': refusing to replace the input; choose another output`);
      }
    }
  }
  return abs;
}

export interface WriteOutputOptions extends OutputPathOptions {
  signal?: AbortSignal;
  /** Where `-` writes (default process.stdout). */
  stdout?: NodeJS.WritableStream;
}

/** `-`: writes `data` to stdout; else checks the path (checkOutputPath) and writes it atomically. */
export async function writeOutput(target: string, data: string | Uint8Array, options: WriteOutputOptions = {}): Promise<string> {
  if (target === '-') {
    const out = options.stdout ?? process.stdout;
    await new Promise<void>((resolve, reject) => {
      out.write(data, (err) => (err ? reject(ioError(err, 'stdout')) : resolve()));
    });
    return '-';
  }
  const abs = await checkOutputPath(target, options);
  await writeFileAtomic(abs, data, { noOverwrite: options.noOverwrite, signal: options.signal, display: options.display ?? target });
  return abs;
}
