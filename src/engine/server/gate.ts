/**
 * The gate every HTTP request passes BEFORE fastify routes it (installed through fastify's
 * serverFactory, so no route, hook order, URL decoding or 404 handler can be reached without it):
 *
 * 1. the request target is origin-form (`/…`), or absolute-form (`http://HOST:PORT/…`) whose
 *    authority is this server's loopback address — then it is rewritten to origin-form, so the router
 *    sees exactly the path that was checked; asterisk- and authority-form are refused;
 * 2. the Host header is a loopback value with this server's port: `127.0.0.1:PORT`, `localhost:PORT`
 *    or `[::1]:PORT` (any case) — anything else is FORBIDDEN (DNS rebinding: a web page that made
 *    `evil.example` resolve to 127.0.0.1 sends `Host: evil.example:PORT`);
 * 3. the token (`Authorization: token T`) — for EVERY request, whatever its path, its encoding or
 *    whether a route exists: deny by default, no allow-list.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EngineError, HTTP_STATUS } from '../errors.js';
import { checkAuthorization } from './auth.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True when `authority` (a Host header value or a URL's host) is a loopback name with `port`. */
export function isLoopbackAuthority(authority: string | undefined, port: number): boolean {
  if (typeof authority !== 'string') return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(authority.trim());
  if (!m) return false;
  return LOOPBACK_HOSTS.has(m[1].toLowerCase()) && Number(m[2]) === port;
}

/**
 * Checks one request; returns the origin-form target the router must use, or throws
 * FORBIDDEN / UNAUTHORIZED / BAD_INPUT.
 */
export function gateRequest(req: Pick<IncomingMessage, 'url' | 'headers'>, port: number, token: string): string {
  let target = req.url ?? '';
  if (!target.startsWith('/')) {
    // absolute-form (RFC 9112 3.2.2): accepted only for this very server, then made origin-form.
    let u: URL;
    try {
      u = new URL(target);
    } catch {
      throw new EngineError('BAD_INPUT', `request target: got '${target.slice(0, 100)}', expected a path starting with '/'`);
    }
    if (u.protocol !== 'http:' || u.username || u.password || !isLoopbackAuthority(u.host || '', port) && !isLoopbackAuthority(`${u.hostname}:${u.port || 80}`, port)) {
      throw new EngineError('FORBIDDEN', `request target '${target.slice(0, 100)}' is not this server (expected http://127.0.0.1:${port}/…)`);
    }
    target = u.pathname + u.search;
  } else if (target.startsWith('//')) {
    // '//host/…' is not origin-form; a router might read it as a network path.
    throw new EngineError('BAD_INPUT', `request target: got '${target.slice(0, 100)}', expected a path starting with a single '/'`);
  }
  const host = req.headers.host;
  if (!isLoopbackAuthority(host, port)) {
    throw new EngineError('FORBIDDEN', `Host header: got '${String(host ?? '').slice(0, 100)}', expected 127.0.0.1:${port}, localhost:${port} or [::1]:${port}`);
  }
  checkAuthorization(req.headers.authorization, token);
  return target;
}

/** Sends the one error shape directly on the socket (the request never reaches fastify). */
export function sendGateError(res: ServerResponse, err: EngineError): void {
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  res.writeHead(HTTP_STATUS[err.code], {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}
