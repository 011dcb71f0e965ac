/**
 * The HTTP client COGs are read through (geotiff.js's custom-client interface): range requests with
 *
 * - a timeout on every network wait: connecting and the response headers, and each body chunk (a server
 *   trickling 1 byte every 2 s is cut after `timeoutMs` without progress, and a whole response must
 *   arrive within 4 × timeoutMs) → TIMEOUT;
 * - redirects followed by hand (at most 5), each hop checked: `checkUrl` when given (the server's
 *   allow-list), else the hop must stay on the origin of the URL given (the CLI's `extract URL`);
 *   http(s) only, no credentials → FORBIDDEN otherwise;
 * - a bound on the body: no more than the range asked for (+ 64 KiB of multipart framing).
 */
import { EngineError } from '../errors.js';

/** Throws (FORBIDDEN) when a URL (the first or a redirect hop) must not be fetched. */
export type UrlCheck = (url: string) => void;

export interface HttpClientOptions {
  checkUrl?: UrlCheck;
  /** Longest wait for the headers or for the next body chunk, ms. Default 30,000. */
  timeoutMs?: number;
  /** Most redirects followed for one request. Default 5. */
  maxRedirects?: number;
}

const MAX_REDIRECTS = 5;

function sameOriginCheck(first: string): UrlCheck {
  const origin = new URL(first).origin;
  return (u: string) => {
    if (new URL(u).origin !== origin) {
      throw new EngineError('FORBIDDEN', `redirect to '${u}' refused: it leaves ${origin}`);
    }
  };
}

function checkShape(u: URL, hop: string): void {
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new EngineError('FORBIDDEN', `redirect to '${hop}' refused: only http(s)`);
  if (u.username || u.password) throw new EngineError('FORBIDDEN', `redirect to '${hop}' refused: URLs with credentials are refused`);
}

class RangeResponse {
  constructor(private readonly res: Response, private readonly url: string, private readonly timeoutMs: number, private readonly maxBytes: number, private readonly signal?: AbortSignal) {}

  get ok(): boolean {
    return this.res.status >= 200 && this.res.status <= 299;
  }

  get status(): number {
    return this.res.status;
  }

  getHeader(name: string): string | undefined {
    return this.res.headers.get(name) ?? undefined;
  }

  /** The body, each chunk within timeoutMs, the whole within 4 × timeoutMs, at most maxBytes. */
  async getData(): Promise<ArrayBuffer> {
    const reader = this.res.body?.getReader();
    if (!reader) return new ArrayBuffer(0);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const deadline = Date.now() + 4 * this.timeoutMs;
    try {
      for (;;) {
        if (this.signal?.aborted) throw new EngineError('ABORTED', 'cancelled');
        const wait = Math.min(this.timeoutMs, deadline - Date.now());
        if (wait <= 0) throw new EngineError('TIMEOUT', `${this.url}: the response did not finish within ${(4 * this.timeoutMs) / 1000} s`);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new EngineError('TIMEOUT', `${this.url}: no data for ${(wait / 1000).toFixed(0)} s while reading the response`)), wait);
        });
        let r: { done: boolean; value?: Uint8Array };
        try {
          r = await Promise.race([reader.read(), timeout]);
        } finally {
          clearTimeout(timer);
        }
        if (r.done) break;
        const value = r.value ?? new Uint8Array(0);
        total += value.byteLength;
        if (total > this.maxBytes) throw new EngineError('TOO_LARGE', `${this.url}: the server sent more than the ${this.maxBytes} bytes asked for`);
        chunks.push(value);
      }
    } catch (err) {
      await reader.cancel().catch(() => {});
      throw err;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.byteLength;
    }
    return out.buffer;
  }
}

function rangeBytes(range: string | undefined): number {
  if (!range) return 16 * 1024 * 1024;
  let n = 0;
  for (const m of range.matchAll(/(\d+)-(\d+)/g)) n += Number(m[2]) - Number(m[1]) + 1;
  return n + 64 * 1024;
}

export class HttpRangeClient {
  private readonly check: UrlCheck;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;

  constructor(readonly url: string, options: HttpClientOptions = {}) {
    this.check = options.checkUrl ?? sameOriginCheck(url);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  }

  async request(options: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<RangeResponse> {
    let url = this.url;
    for (let hop = 0; ; hop++) {
      const ac = new AbortController();
      const signal = options.signal ? AbortSignal.any([options.signal, ac.signal]) : ac.signal;
      const timer = setTimeout(() => ac.abort(new EngineError('TIMEOUT', `${url}: no response within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      let res: Response;
      try {
        res = await fetch(url, { headers: options.headers, redirect: 'manual', signal });
      } catch (err) {
        if (options.signal?.aborted) throw new EngineError('ABORTED', 'cancelled');
        if (ac.signal.reason instanceof EngineError) throw ac.signal.reason;
        throw new EngineError('BAD_IMAGE', `${url}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`);
      } finally {
        clearTimeout(timer);
      }
      if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
        await res.body?.cancel().catch(() => {});
        if (hop >= this.maxRedirects) throw new EngineError('BAD_IMAGE', `${this.url}: more than ${this.maxRedirects} redirects`);
        const next = new URL(res.headers.get('location')!, url);
        checkShape(next, next.href);
        this.check(next.href);
        url = next.href;
        continue;
      }
      return new RangeResponse(res, url, this.timeoutMs, rangeBytes(options.headers?.Range ?? options.headers?.range), options.signal);
    }
  }
}
