/**
 * Typed engine errors. Every error a user can cause carries a stable `code`; the CLI prints the
 * message and exits non-zero, the HTTP server maps the code to a status (see HTTP_STATUS) and sends
 * `{error: {code, message}}`, the JupyterLab extension shows the message in a notification.
 */
export type ErrorCode =
  | 'BAD_INPUT' // malformed argument or option ("got X, expected Y")
  | 'NOT_FOUND' // a file, raster, job or model that does not exist
  | 'BAD_IMAGE' // a file that cannot be decoded as an image / raster
  | 'BAD_MODEL' // a file that is not ONNX, or an ONNX without the expected inputs/outputs
  | 'MODEL_MISSING' // a known model file that is not on disk (message says how to get it)
  | 'DEVICE_UNAVAILABLE' // an execution provider that cannot be used (and the user insisted)
  | 'BAD_CRS' // an unknown or unsupported coordinate reference system
  | 'OUT_OF_BOUNDS' // a window / point / box outside the raster
  | 'EMPTY' // nothing to work on (e.g. an all-nodata raster)
  | 'FORBIDDEN' // a path outside the served root, a disallowed URL
  | 'UNAUTHORIZED' // a missing or wrong token
  | 'TOO_LARGE' // a request body or raster over a configured limit
  | 'ABORTED' // cancelled through an AbortSignal / Ctrl-C
  | 'DOWNLOAD_FAILED' // a model download that failed or did not match its checksum
  | 'TIMEOUT' // a network read, model read or request that did not finish in time
  | 'NO_SPACE' // the disk is full (ENOSPC / EDQUOT) while writing a named file
  | 'READ_ONLY' // the file system of an output is read-only (EROFS)
  | 'NAME_TOO_LONG' // a file name or path longer than the file system allows (ENAMETOOLONG)
  | 'BUSY' // an output that is in use or not a file one can replace (EBUSY, a directory, a mount point)
  | 'PERMISSION_DENIED' // the operating system refused access to a named file (EACCES / EPERM)
  | 'IO_ERROR' // any other operating-system I/O failure on a named file
  | 'INTERNAL'; // a bug: please report

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_INPUT: 400,
  NOT_FOUND: 404,
  BAD_IMAGE: 422,
  BAD_MODEL: 422,
  MODEL_MISSING: 409,
  DEVICE_UNAVAILABLE: 409,
  BAD_CRS: 422,
  OUT_OF_BOUNDS: 422,
  EMPTY: 422,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  TOO_LARGE: 413,
  ABORTED: 499,
  DOWNLOAD_FAILED: 502,
  TIMEOUT: 504,
  NO_SPACE: 507,
  READ_ONLY: 409,
  NAME_TOO_LONG: 400,
  BUSY: 409,
  PERMISSION_DENIED: 403,
  IO_ERROR: 500,
  INTERNAL: 500,
};

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** Throws ABORTED if the signal has fired. Call between stages of long work. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new EngineError('ABORTED', 'cancelled');
}

/** Wraps any thrown value into an EngineError (INTERNAL unless it already is one). */
export function asEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError('INTERNAL', message);
}
