/**
 * Test helpers for the HTTP server: a temp root directory and a real server on 127.0.0.1 with a
 * known token, plus a small fetch wrapper that adds the Authorization header.
 */
import { tmpDir } from './raster-fixtures.js';
import { createServer, type EngineServer, type ServerOptions } from '../server/app.js';
import { createEngineBackend, type EngineBackendOptions } from '../server/engine-backend.js';

export interface TestServer {
  server: EngineServer;
  url: string;
  root: string;
  token: string;
  /** fetch(url + p) with `Authorization: token T` (unless headers.authorization is given). */
  api(p: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(
  options: Partial<ServerOptions> & { backendOptions?: EngineBackendOptions } = {},
): Promise<TestServer> {
  const root = options.root ?? tmpDir('fsg-server-');
  const token = options.token ?? 'test-token-0123456789';
  const backend = options.backend ?? createEngineBackend(options.backendOptions ?? {});
  const server = await createServer({ ...options, root, token, backend, log: options.log ?? (() => {}) });
  const { url } = await server.listen(0);
  return {
    server,
    url,
    root,
    token,
    api(p, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `token ${token}`);
      let body = init.body;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        headers.set('content-type', 'application/json');
      }
      return fetch(url + p, { ...init, headers, body });
    },
    close: () => server.close(),
  };
}
