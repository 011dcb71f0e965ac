/**
 * Maps anything thrown inside a request to the one error shape of the HTTP API:
 * `{"error": {"code", "message"}}` with the status from HTTP_STATUS (src/engine/errors.ts).
 * Fastify's own client errors (schema validation, malformed JSON, body limit, media type) become
 * BAD_INPUT / TOO_LARGE with a message a person can act on; anything else is INTERNAL (500) and the
 * server keeps serving.
 */
import { EngineError, HTTP_STATUS, type ErrorCode } from '../errors.js';
import { ioError } from '../util/io-error.js';

export interface HttpError {
  status: number;
  body: { error: { code: ErrorCode; message: string } };
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  validationContext?: string;
}

function validationMessage(err: FastifyLikeError): string {
  const first = err.validation?.[0];
  if (!first) return err.message ?? 'invalid request';
  const where = `${err.validationContext ?? 'body'}${first.instancePath ? first.instancePath.replace(/\//g, '.') : ''}`;
  const params = first.params ?? {};
  if (typeof params.additionalProperty === 'string') {
    return `${where}: unknown field '${params.additionalProperty}'`;
  }
  if (typeof params.missingProperty === 'string') {
    return `${where}: missing required field '${params.missingProperty}'`;
  }
  if (typeof params.type === 'string') {
    return `${where}: expected ${params.type}`;
  }
  return `${where} ${first.message ?? 'is invalid'}`;
}

export function toHttpError(err: unknown, bodyLimit?: number): HttpError {
  const make = (code: ErrorCode, message: string, status = HTTP_STATUS[code]): HttpError => ({
    status,
    body: { error: { code, message } },
  });
  if (err instanceof EngineError) return make(err.code, err.message);
  const e = (err ?? {}) as FastifyLikeError;
  if (e.validation) return make('BAD_INPUT', validationMessage(e));
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return make('TOO_LARGE', `request body is larger than the limit${bodyLimit ? ` of ${bodyLimit} bytes` : ''}`);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return make('BAD_INPUT', `malformed JSON body: ${e.message ?? ''}`.trim());
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return make('BAD_INPUT', 'empty JSON body: expected a JSON object');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return make('BAD_INPUT', `unsupported Content-Type: expected application/json`, 415);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return make('BAD_INPUT', 'Content-Length does not match the body');
    default:
      break;
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 413) return make('TOO_LARGE', e.message ?? 'request too large');
    if (e.statusCode === 404) return make('NOT_FOUND', e.message ?? 'not found');
    return make('BAD_INPUT', e.message ?? 'bad request', e.statusCode);
  }
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return make('BAD_INPUT', 'the request is nested too deeply to process');
  }
  const sys = (err as NodeJS.ErrnoException)?.code;
  if (typeof sys === 'string' && /^E[A-Z]+$/.test(sys) && (err as NodeJS.ErrnoException).syscall) {
    // an operating-system error that escaped classification: its own code, never 'please report'
    const io = ioError(err, (err as NodeJS.ErrnoException).path ?? 'a file');
    return make(io.code, io.message);
  }
  return make('INTERNAL', `internal error: ${e.message ?? String(err)} (please report)`);
}
