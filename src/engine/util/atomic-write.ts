/**
 * writeFileAtomic: write to a temp file beside the target, fsync, then rename over the target, so a
 * reader never sees a half-written file and a crash or Ctrl-C leaves either the old file or none.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EngineError, throwIfAborted } from '../errors.js';

export interface WriteAtomicOptions {
  /** Refuse to replace an existing file (BAD_INPUT). Default false: replace it. */
  noOverwrite?: boolean;
  /** File mode of the new file. Default 0o644. */
  mode?: number;
  /** Checked before the rename: an aborted write leaves no file behind. */
  signal?: AbortSignal;
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
  const dir = path.dirname(path.resolve(target));
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw new Error('not a directory');
  } catch {
    throw new EngineError('NOT_FOUND', `output directory ${dir} does not exist`);
  }
  if (options.noOverwrite) {
    const exists = await fs.stat(target).then(() => true, () => false);
    if (exists) throw new EngineError('BAD_INPUT', `output file ${target} exists (overwrite not allowed)`);
  }
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
    throw err;
  }
}
