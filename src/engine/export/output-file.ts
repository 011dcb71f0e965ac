/**
 * The one output-file helper every writer goes through: it checks the target (its directory exists, it
 * is not a directory, overwrite rules), hands the writer a temp path beside it, and on success fsyncs
 * and renames the temp file over the target; on failure or abort it removes the temp file, so a reader
 * sees the old file, no file, or the complete new one — never a partial one. Path-safety checks
 * (output = input, symlinks, non-regular files) belong here so that they apply to every format.
 */
import { constants, promises as fs, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EngineError, throwIfAborted } from '../errors.js';
import { checkOutputPath } from '../util/output-path.js';
import { ioError } from '../util/io-error.js';

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

// Temp files still open: a process that exits mid-write (a second Ctrl-C exits at once) removes them.
const live = new Set<string>();
let exitHook = false;
function track(tmp: string): void {
  live.add(tmp);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const t of live) for (const f of [t, `${t}-journal`]) try { rmSync(f, { force: true }); } catch { /* best effort */ }
  });
}

/** Checks `target` and returns a temp path beside it plus commit/discard. Nothing is created yet. */
export async function openOutputFile(target: string, options: OutputFileOptions = {}): Promise<OutputFile> {
  if (typeof target !== 'string' || target.length === 0) {
    throw new EngineError('BAD_INPUT', `output path: got ${JSON.stringify(target)}, expected a file path`);
  }
  // util/output-path: not a link, directory, device or FIFO, not one of the inputs (same inode, also
  // through links), a legal name; returns the real directory + the name.
  const abs = await checkOutputPath(target, { inputs: (options.inputs ?? []).filter((i) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(i)), noOverwrite: options.noOverwrite });
  const dir = path.dirname(abs);
  try {
    await fs.access(dir, constants.W_OK);
  } catch {
    throw new EngineError('FORBIDDEN', `output directory of ${target} is not writable`);
  }
  // `.NAME.PID.HEX.tmp` beside the target; a short `.fsg-PID-HEX.tmp` when that would pass 255 bytes.
  const suffix = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const long = `.${path.basename(abs)}.${suffix}`;
  const tmp = path.join(dir, Buffer.byteLength(long) <= 255 ? long : `.fsg-${suffix}`);
  let done = false;
  track(tmp);
  const discard = async (): Promise<void> => {
    live.delete(tmp);
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
        live.delete(tmp);
        done = true;
      } catch (err) {
        await discard();
        throw err instanceof EngineError ? err : ioError(err, target, 'writing');
      }
    },
  };
}
