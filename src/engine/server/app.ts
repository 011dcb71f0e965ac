/**
 * The engine's HTTP server (fastify): token auth on every /api route, JSON-schema validation,
 * one error shape, root-confined paths, jobs with progress and cancel. Binds 127.0.0.1 only.
 * Routes follow the HTTP contract in the README (section http-api).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { EngineError } from '../errors.js';
import { DEFAULTS } from '../config.js';
import { checkAuthorization } from './auth.js';
import type { EngineBackend } from './backend.js';
import { toHttpError } from './http-errors.js';
import { JobManager } from './jobs.js';
import { RootDir } from './paths.js';
import { normalizeAllowedPrefixes } from './urls.js';
import { registerInfoRoutes } from './routes/info.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerPromptRoutes } from './routes/prompt.js';
import { registerExportRoutes } from './routes/export.js';

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
  const app = Fastify({
    logger: false,
    bodyLimit,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
  });

  // JSON only: a text/plain body would reach the schema as a string and give a vaguer message.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request) => {
    if (request.url === '/api' || request.url.startsWith('/api/') || request.url.startsWith('/api?')) {
      checkAuthorization(request.headers.authorization, options.token);
    }
  });
  app.setErrorHandler((err, _request, reply) => {
    const h = toHttpError(err, bodyLimit);
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
