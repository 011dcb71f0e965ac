/**
 * writeFileAtomic: write to a temp file beside the target, fsync, then rename over the target, so a
 * reader never sees a half-written file and a crash or Ctrl-C leaves either the old file or none.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EngineError, throwIfAborted } from '../errors.js';
import { ioError } from './io-error.js';

export interface WriteAtomicOptions {
  /** Refuse to replace an existing file (BAD_INPUT). Default false: replace it. */
  noOverwrite?: boolean;
  /** File mode of the new file. Default 0o644. */
  mode?: number;
  /** Checked before the rename: an aborted write leaves no file behind. */
  signal?: AbortSignal;
  /** How to name the target in error messages (default: the path as given). */
  display?: string;
}

/** Writes `data` to `target` atomically (temp file in the same directory + fsync + rename). */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: WriteAtomicOptions = {},
): Promise<void> {
  if (typeof target !== 'string' || target.length === 0) {
    throw new EngineError('BAD_INPUT', `output path: got ${JSON.stringify(target)}, expected a file path`);
  }
  const shown = options.display ?? target;
  const dir = path.dirname(path.resolve(target));
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw new Error('not a directory');
  } catch {
    throw new EngineError('NOT_FOUND', `output directory of '${shown}' does not exist`);
  }
  // Never through a link, never over a directory, device or FIFO (rename would replace them).
  const existing = await fs.lstat(target).catch(() => null);
  if (existing) {
    if (options.noOverwrite) throw new EngineError('BAD_INPUT', `output file '${shown}' exists (overwrite not allowed)`);
    if (existing.isSymbolicLink()) throw new EngineError('FORBIDDEN', `output '${shown}' is a symbolic link: refusing to write through it`);
    if (existing.isDirectory()) throw new EngineError('BAD_INPUT', `output '${shown}' is a directory, expected a file name`);
    if (!existing.isFile()) throw new EngineError('BAD_INPUT', `output '${shown}' is not a regular file (a device, FIFO or socket): refusing to replace it`);
  }
  // `.NAME.PID.HEX.tmp` beside the target; a short `.fsg-PID-HEX.tmp` when that would pass 255 bytes
  // (a legal 255-byte output name must not give an illegal temp name: ENAMETOOLONG).
  const suffix = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const long = `.${path.basename(target)}.${suffix}`;
  const tmp = path.join(dir, Buffer.byteLength(long) <= 255 ? long : `.fsg-${suffix}`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', options.mode ?? 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    throwIfAborted(options.signal);
    await fs.rename(tmp, target);
  } catch (err) {
    if (handle) await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw ioError(err, shown);
  }
}
