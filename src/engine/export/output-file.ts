/**
 * The one output-file helper every writer goes through: it checks the target (its directory exists, it
 * is not a directory, overwrite rules), hands the writer a temp path beside it, and on success fsyncs
 * and renames the temp file over the target; on failure or abort it removes the temp file, so a reader
 * sees the old file, no file, or the complete new one — never a partial one. Path-safety checks
 * (output = input, symlinks, non-regular files) belong here so that they apply to every format.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EngineError, throwIfAborted } from '../errors.js';

export interface OutputFileOptions {
  /** Refuse to replace an existing file (BAD_INPUT). Default false. */
  noOverwrite?: boolean;
  /** Input files of the command: writing over one of them is refused (BAD_INPUT). */
  inputs?: string[];
  signal?: AbortSignal;
}

export interface OutputFile {
  /** The final path. */
  target: string;
  /** The temp path the writer writes (same directory, hidden name). */
  tmp: string;
  /** fsync + rename the temp file over the target. */
  commit(): Promise<void>;
  /** Removes the temp file (idempotent). */
  discard(): Promise<void>;
}

/** Checks `target` and returns a temp path beside it plus commit/discard. Nothing is created yet. */
export async function openOutputFile(target: string, options: OutputFileOptions = {}): Promise<OutputFile> {
  if (typeof target !== 'string' || target.length === 0) {
    throw new EngineError('BAD_INPUT', `output path: got ${JSON.stringify(target)}, expected a file path`);
  }
  const abs = path.resolve(target);
  const dir = path.dirname(abs);
  const dst = await fs.stat(dir).catch(() => null);
  if (!dst || !dst.isDirectory()) throw new EngineError('NOT_FOUND', `output directory ${dir} does not exist`);
  try {
    await fs.access(dir, constants.W_OK);
  } catch {
    throw new EngineError('FORBIDDEN', `output directory ${dir} is not writable`);
  }
  const st = await fs.stat(abs).catch(() => null);
  if (st?.isDirectory()) throw new EngineError('BAD_INPUT', `output ${target} is a directory, expected a file name`);
  if (st && options.noOverwrite) throw new EngineError('BAD_INPUT', `output file ${target} exists (overwrite not allowed)`);
  for (const input of options.inputs ?? []) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) continue;
    if (path.resolve(input) === abs) throw new EngineError('BAD_INPUT', `output ${target} is also an input: refusing to overwrite it`);
  }
  const tmp = path.join(dir, `.${path.basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let done = false;
  const discard = async (): Promise<void> => {
    await fs.rm(tmp, { force: true }).catch(() => {});
    // SQLite writers may leave a journal beside the temp file.
    await fs.rm(`${tmp}-journal`, { force: true }).catch(() => {});
  };
  return {
    target: abs,
    tmp,
    discard,
    async commit() {
      if (done) return;
      try {
        throwIfAborted(options.signal);
        const h = await fs.open(tmp, 'r+');
        try {
          await h.chmod(0o644);
          await h.sync();
        } finally {
          await h.close();
        }
        await fs.rename(tmp, abs);
        done = true;
      } catch (err) {
        await discard();
        throw err;
      }
    },
  };
}
