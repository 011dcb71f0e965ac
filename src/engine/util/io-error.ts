/**
 * ioError: an operating-system error (errno code) as an EngineError with its own code and the file in
 * the message — NO_SPACE, READ_ONLY, NAME_TOO_LONG, BUSY, PERMISSION_DENIED, NOT_FOUND, IO_ERROR —
 * instead of a raw Node error or `INTERNAL (please report)`.
 */
import { EngineError } from '../errors.js';

const IO_CODES: Record<string, [EngineError['code'], string]> = {
  ENOSPC: ['NO_SPACE', 'no space left on the device'],
  EDQUOT: ['NO_SPACE', 'disk quota exceeded'],
  EFBIG: ['NO_SPACE', 'file too large for the file system'],
  EROFS: ['READ_ONLY', 'the file system is read-only'],
  ENAMETOOLONG: ['NAME_TOO_LONG', 'the name is longer than the file system allows'],
  EBUSY: ['BUSY', 'it is busy (a mount point or in use)'],
  EISDIR: ['BUSY', 'it is a directory'],
  ENOTDIR: ['NOT_FOUND', 'a parent of it is not a directory'],
  ENOENT: ['NOT_FOUND', 'it (or its directory) does not exist'],
  EACCES: ['PERMISSION_DENIED', 'permission denied'],
  EPERM: ['PERMISSION_DENIED', 'operation not permitted'],
  ELOOP: ['BAD_INPUT', 'too many levels of symbolic links'],
  EMFILE: ['IO_ERROR', 'too many open files'],
  EIO: ['IO_ERROR', 'input/output error'],
  EXDEV: ['IO_ERROR', 'cross-device rename'],
};

/** An operating-system error (errno code) as an EngineError naming `file`; EngineErrors pass through. */
export function ioError(err: unknown, file: string, doing = 'writing'): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const known = code ? IO_CODES[code] : undefined;
  if (known) return new EngineError(known[0], `${doing} '${file}': ${known[1]} (${code})`);
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new EngineError('IO_ERROR', `${doing} '${file}': ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new EngineError('BAD_INPUT', `${doing} '${file}': the data is nested too deeply`);
  }
  return new EngineError('INTERNAL', `${doing} '${file}': ${(err as Error)?.message ?? String(err)} (please report)`);
}

