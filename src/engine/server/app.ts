/**
 * The engine's HTTP server (fastify): token auth on every /api route, JSON-schema validation,
 * one error shape, root-confined paths, jobs with progress and cancel. Binds 127.0.0.1 only.
 * Routes follow the HTTP contract in the README (section http-api).
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { EngineError } from '../errors.js';
import { DEFAULTS } from '../config.js';
import { checkAuthorization } from './auth.js';
import { gateRequest, sendGateError } from './gate.js';
import { checkJsonDepth } from './json-depth.js';
import type { EngineBackend } from './backend.js';
import { toHttpError } from './http-errors.js';
import { JobManager } from './jobs.js';
import { RootDir } from './paths.js';
import { normalizeAllowedPrefixes } from './urls.js';
import { registerInfoRoutes } from './routes/info.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerPromptRoutes } from './routes/prompt.js';
import { registerExportRoutes } from './routes/export.js';
import { registerTileRoutes } from './routes/tiles.js';

export interface ServerOptions {
  /** The directory every client path is relative to. */
  root: string;
  /** The token every /api request must carry (`Authorization: token T`). */
  token: string;
  backend: EngineBackend;
  /** Largest request body in bytes (default DEFAULTS.server.bodyLimit); larger → 413 TOO_LARGE. */
  bodyLimit?: number;
  /** Jobs run at the same time (default 1). */
  concurrency?: number;
  /** Finished jobs kept for polling (default 50). */
  keepJobs?: number;
  /** URL prefixes of COGs that GET /api/raster?url= may open (default DEFAULTS.server.allowUrls: none). */
  allowUrls?: readonly string[];
  /** Time a client has to send a whole request, headers and body (default DEFAULTS.server.requestTimeoutMs). */
  requestTimeoutMs?: number;
  /** Where to report internal errors (default stderr). */
  log?: (line: string) => void;
}

export interface RouteContext {
  root: RootDir;
  jobs: JobManager;
  backend: EngineBackend;
  /** Allowed COG URL prefixes (empty: URLs refused). */
  allowUrls: readonly URL[];
}

export interface EngineServer {
  app: FastifyInstance;
  root: RootDir;
  jobs: JobManager;
  /** Starts listening on 127.0.0.1 (port 0 = a free port). */
  listen(port?: number): Promise<{ url: string; port: number }>;
  /** Cancels jobs, closes the backend and the socket. */
  close(): Promise<void>;
}

/** The response to an error of node's HTTP parser, in the API's error shape. */
export function clientErrorResponse(err: NodeJS.ErrnoException): HttpErrorBody {
  const code = err.code ?? '';
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, body: { error: { code: 'TOO_LARGE', message: 'request headers are larger than the limit of 16384 bytes' } } };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, body: { error: { code: 'TIMEOUT', message: 'the request (headers and body) did not arrive in time' } } };
  }
  if (code === 'HPE_INVALID_CONTENT_LENGTH' || code === 'HPE_UNEXPECTED_CONTENT_LENGTH') {
    return { status: 400, body: { error: { code: 'BAD_INPUT', message: 'Content-Length header: expected one non-negative integer (and no Transfer-Encoding with it)' } } };
  }
  return { status: 400, body: { error: { code: 'BAD_INPUT', message: `malformed HTTP request (${code || err.message})` } } };
}

interface HttpErrorBody {
  status: number;
  body: { error: { code: string; message: string } };
}

export async function createServer(options: ServerOptions): Promise<EngineServer> {
  if (typeof options.token !== 'string' || options.token.length < 8) {
    throw new EngineError('BAD_INPUT', `token: got ${typeof options.token === 'string' ? `${options.token.length} characters` : typeof options.token}, expected at least 8 characters`);
  }
  const bodyLimit = options.bodyLimit ?? DEFAULTS.server.bodyLimit;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024) {
    throw new EngineError('BAD_INPUT', `bodyLimit: got ${bodyLimit}, expected an integer ≥ 1024 bytes`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const allowUrls = normalizeAllowedPrefixes(options.allowUrls ?? DEFAULTS.server.allowUrls);
  const root = await RootDir.open(options.root);
  const jobs = new JobManager({ concurrency: options.concurrency, keep: options.keepJobs });
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.server.requestTimeoutMs;
  const app = Fastify({
    logger: false,
    bodyLimit,
    // Every request is gated (Host, request target, token) before fastify routes it: see gate.ts.
    serverFactory: (handler) => {
      const server = http.createServer({
        // A request (headers + body) must arrive within requestTimeoutMs (a trickled body is cut with
        // 408); the check runs every second.
        requestTimeout: requestTimeoutMs,
        headersTimeout: Math.min(requestTimeoutMs, 10_000),
        connectionsCheckingInterval: 1000,
        maxHeaderSize: 16 * 1024,
      }, (req, res) => {
        const port = (req.socket as Socket).localPort ?? 0;
        try {
          req.url = gateRequest(req, port, options.token);
        } catch (err) {
          if (err instanceof EngineError) return sendGateError(res, err);
          throw err;
        }
        handler(req, res);
      });
      return server;
    },
    // Errors of node's HTTP parser (bad Content-Length, headers too large, request timeout) in the
    // documented shape too.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      const h = clientErrorResponse(err);
      if (socket.writable) {
        const body = JSON.stringify(h.body);
        socket.end(`HTTP/1.1 ${h.status} ${http.STATUS_CODES[h.status] ?? 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      } else {
        socket.destroy(err);
      }
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
  });

  // JSON only: a text/plain body would reach the schema as a string and give a vaguer message.
  app.removeContentTypeParser('text/plain');
  // JSON: nesting depth checked by a linear scan first (deep nesting overflowed the stack: 500), then
  // fastify's own parser (prototype-poisoning protection).
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    try {
      checkJsonDepth(body as string);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    defaultJson(req, body as string, done);
  });
  // Defence in depth (and for app.inject, which bypasses the server): the token on every request,
  // whatever its path. Deny by default: there is no route that skips it.
  app.addHook('onRequest', async (request) => {
    checkAuthorization(request.headers.authorization, options.token);
  });
  app.setErrorHandler((err, _request, reply) => {
    const h = toHttpError(err, bodyLimit);
    h.body.error.message = root.redact(h.body.error.message);
    if (h.status >= 500) log(`fastsam-geo serve: ${(err as Error)?.stack ?? String(err)}`);
    void reply.status(h.status).send(h.body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });

  const ctx: RouteContext = { root, jobs, backend: options.backend, allowUrls };
  registerInfoRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerPromptRoutes(app, ctx);
  registerExportRoutes(app, ctx);
  registerTileRoutes(app, ctx);

  return {
    app,
    root,
    jobs,
    async listen(port = 0) {
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new EngineError('BAD_INPUT', `port: got ${port}, expected an integer in 0..65535`);
      }
      await app.listen({ host: '127.0.0.1', port });
      const addr = app.server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      return { url: `http://127.0.0.1:${actual}`, port: actual };
    },
    async close() {
      await jobs.close();
      await app.close();
      await options.backend.close();
    },
  };
}
