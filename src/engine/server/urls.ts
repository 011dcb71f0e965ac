/**
 * Raster URLs (COGs over HTTP range requests) a client may open. Off unless the server was started
 * with allowed prefixes (`--allow-url PREFIX`, c.FastSamGeo.allow_urls): a URL is accepted only when
 * it is http(s), carries no credentials, has no encoded '.', '/' or '\' in its path, even encoded
 * twice (a remote server might decode them into a traversal), and, once normalized by the WHATWG
 * parser (which resolves '..' and '%2e%2e' segments), starts with an allowed prefix at a '/'
 * boundary on the same origin.
 * Anything else is FORBIDDEN.
 */
import { EngineError } from '../errors.js';

function forbidden(url: string, why: string): EngineError {
  return new EngineError('FORBIDDEN', `url '${url}' is not allowed: ${why}`);
}

/** Checks and normalizes the configured prefixes (BAD_INPUT on a malformed one). */
export function normalizeAllowedPrefixes(prefixes: readonly string[] = []): URL[] {
  return prefixes.map((p) => {
    let u: URL;
    try {
      u = new URL(p);
    } catch {
      throw new EngineError('BAD_INPUT', `allowed URL prefix: got '${p}', expected an absolute http(s) URL such as https://example.com/cogs/`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new EngineError('BAD_INPUT', `allowed URL prefix: got '${p}', expected an http(s) URL`);
    }
    if (u.username || u.password || u.search || u.hash) {
      throw new EngineError('BAD_INPUT', `allowed URL prefix: got '${p}', expected no credentials, query or fragment`);
    }
    return u;
  });
}

function underPrefix(u: URL, prefix: URL): boolean {
  if (u.origin !== prefix.origin) return false;
  const p = prefix.pathname;
  if (u.pathname === p) return true;
  return u.pathname.startsWith(p.endsWith('/') ? p : p + '/');
}

/** The normalized URL when `url` may be opened under `allowed`; FORBIDDEN / BAD_INPUT otherwise. */
export function checkRasterUrl(url: unknown, allowed: readonly URL[]): string {
  if (typeof url !== 'string' || url.length === 0) {
    throw new EngineError('BAD_INPUT', `url: got ${url === '' ? 'an empty string' : typeof url}, expected an http(s) URL of a Cloud-Optimized GeoTIFF`);
  }
  if (allowed.length === 0) {
    throw forbidden(url, 'opening rasters by URL is off on this server; start it with --allow-url PREFIX (c.FastSamGeo.allow_urls in Jupyter)');
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new EngineError('BAD_INPUT', `url: got '${url}', expected an absolute http(s) URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw forbidden(url, `scheme '${u.protocol}' is refused; only http and https`);
  if (u.username || u.password) throw forbidden(url, 'URLs with credentials are refused');
  // Decode repeatedly (%252e → %2e → .): a remote server that decodes once or twice must not see a traversal.
  let p = u.pathname;
  for (let i = 0; i < 3; i++) {
    if (/%(2e|2f|5c)/i.test(p) || p.includes('\\') || p.split('/').includes('..')) {
      throw forbidden(url, "encoded '.', '/' or '\\', or a '..' segment, in the path is refused");
    }
    let next: string;
    try {
      next = decodeURIComponent(p);
    } catch {
      break;
    }
    if (next === p) break;
    p = next;
  }
  u.hash = '';
  if (!allowed.some((p) => underPrefix(u, p))) {
    throw forbidden(url, `it is not under an allowed prefix (${allowed.map((p) => p.href).join(', ')})`);
  }
  return u.href;
}
