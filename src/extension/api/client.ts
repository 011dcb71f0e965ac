// The engine's HTTP API as the browser reaches it: `<base_url>fastsam-geo/api/...`, proxied by the
// Python server extension (which adds the engine token). Requests go through ServerConnection so
// Jupyter's token/cookie and XSRF header are applied. Engine errors ({"error": {code, message}})
// become EngineRequestError carrying the engine's code and message.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type {
  EngineOptions,
  Extent84,
  FeatureCollection,
  JobState,
  PromptRequest,
  RasterInfo,
  TileObjects
} from './types.js';

export class EngineRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

export interface EngineClientOptions {
  serverSettings?: ServerConnection.ISettings;
}

export class EngineClient {
  readonly serverSettings: ServerConnection.ISettings;

  constructor(options: EngineClientOptions = {}) {
    this.serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
  }

  url(route: string, query: Record<string, string> = {}): string {
    const base = URLExt.join(this.serverSettings.baseUrl, 'fastsam-geo', 'api', route);
    return base + URLExt.objectToQueryString(query);
  }

  async request<T>(route: string, init: RequestInit = {}, query: Record<string, string> = {}): Promise<T> {
    const headers = new Headers(init.headers);
    if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    let response: Response;
    try {
      // cache: 'no-cache' (revalidate every time) rather than Jupyter's default 'no-store', for which
      // ServerConnection appends a cache-busting `?<timestamp>` that the engine's strict query schemas
      // reject (GET /api/raster answered 400 "unknown field").
      response = await ServerConnection.makeRequest(this.url(route, query), { cache: 'no-cache', ...init, headers }, this.serverSettings);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new EngineRequestError('NETWORK', `cannot reach the fastsam-geo engine: ${(err as Error).message}`, 0);
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
      if (e && typeof e.message === 'string') {
        throw new EngineRequestError(e.code ?? 'ERROR', e.message, response.status);
      }
      if (response.status === 404 && !e) {
        throw new EngineRequestError(
          'NOT_AVAILABLE',
          'the fastsam-geo engine is not reachable through this Jupyter server (is the fastsam_geo server extension installed and enabled?)',
          404
        );
      }
      const detail = /^\s*</.test(text) ? response.statusText : text.trim().slice(0, 300) || response.statusText;
      throw new EngineRequestError('HTTP_' + response.status, `fastsam-geo engine request ${route} failed (HTTP ${response.status}): ${detail}`, response.status);
    }
    return body as T;
  }

  health(signal?: AbortSignal): Promise<{ status: string; version: string; device: string }> {
    return this.request('health', { signal });
  }

  raster(path: string, signal?: AbortSignal): Promise<RasterInfo> {
    return this.request('raster', { signal }, { path });
  }

  startJob(path: string, extent: Extent84 | undefined, options: EngineOptions, signal?: AbortSignal): Promise<JobState> {
    return this.request('jobs', { method: 'POST', body: JSON.stringify({ path, extent, options }), signal });
  }

  /** The tiles a job would run (nothing is started). */
  planJob(path: string, extent: Extent84 | undefined, options: EngineOptions, signal?: AbortSignal): Promise<{ total: number }> {
    return this.request('jobs/plan', { method: 'POST', body: JSON.stringify({ path, extent, options }), signal });
  }

  job(id: string, signal?: AbortSignal): Promise<JobState> {
    return this.request(`jobs/${encodeURIComponent(id)}`, { signal });
  }

  cancelJob(id: string): Promise<JobState> {
    return this.request(`jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  /** A job's state with the features of the tiles finished so far, from the `since`-th on (`next`: where to ask from next). */
  jobPartial(id: string, since: number, signal?: AbortSignal): Promise<JobState & FeatureCollection & { next: number }> {
    return this.request(`jobs/${encodeURIComponent(id)}/partial`, { signal }, { since: String(since) });
  }

  /** The objects of an area's finished tiles (no model run); `skip`: tile indices held already. */
  tiles(req: { path: string; extent?: Extent84; options?: EngineOptions; skip?: number[] }, signal?: AbortSignal): Promise<TileObjects> {
    return this.request('tiles', { method: 'POST', body: JSON.stringify(req), signal });
  }

  jobResult(id: string, signal?: AbortSignal): Promise<FeatureCollection> {
    return this.request(`jobs/${encodeURIComponent(id)}/result`, { signal });
  }

  prompt(req: PromptRequest, signal?: AbortSignal): Promise<FeatureCollection> {
    return this.request('prompt', { method: 'POST', body: JSON.stringify(req), signal });
  }

  /** Writes a layer inside Jupyter's root as .geojson, .gpkg, .fgb or .parquet (format from the extension). */
  exportLayer(path: string, collection: unknown, overwrite = false): Promise<{ path: string; features: number; format: string }> {
    return this.request('export', { method: 'POST', body: JSON.stringify({ path, collection, overwrite }) });
  }

  /** A layer as the bytes of a .gpkg, .fgb or .parquet file (format from `name`'s extension), for a download. */
  async downloadLayer(name: string, collection: unknown): Promise<Blob> {
    const init = { method: 'POST', body: JSON.stringify({ path: name, collection, download: true }), headers: { 'Content-Type': 'application/json' } };
    const response = await ServerConnection.makeRequest(this.url('export'), init, this.serverSettings);
    if (!response.ok) {
      const text = await response.text();
      let message = `HTTP ${response.status}`;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        /* not JSON */
      }
      throw new EngineRequestError('HTTP_' + response.status, message, response.status);
    }
    return response.blob();
  }

  /**
   * Runs a segment job to completion, polling its state (robust behind proxies that buffer
   * event streams). `onProgress` sees every state; aborting `signal` cancels the job on the engine.
   */
  async runJob(
    path: string,
    extent: Extent84 | undefined,
    options: EngineOptions,
    {
      signal,
      onProgress,
      confirm,
      onPartial,
      intervalMs = 400
    }: {
      signal?: AbortSignal;
      onProgress?: (s: JobState) => void;
      /** The features of tiles finished since the last call (the job drawn tile by tile). */
      onPartial?: (fc: FeatureCollection) => void;
      /** Asked with the job's tile count before it starts; false: the job is not started. */
      confirm?: (s: JobState) => Promise<boolean>;
      intervalMs?: number;
    } = {}
  ): Promise<FeatureCollection> {
    // Not aborted mid-request: a job the engine accepted must be cancelled by its id, so the start
    // is awaited and an abort that came meanwhile cancels the job right after.
    if (confirm) {
      // asked before anything starts: the engine plans the job (its tile count) without running it
      const { total } = await this.planJob(path, extent, options, signal);
      if (!(await confirm({ id: '', status: 'queued', done: 0, total }))) throw new EngineRequestError('DECLINED', 'the job was not started', 409);
    }
    let state = await this.startJob(path, extent, options);
    onProgress?.(state);
    const cancel = () => {
      void this.cancelJob(state.id).catch(() => undefined);
    };
    if (signal?.aborted) {
      cancel();
      throw new EngineRequestError('CANCELLED', 'the job was cancelled', 409);
    }
    signal?.addEventListener('abort', cancel, { once: true });
    let since = 0;
    try {
      while (state.status === 'queued' || state.status === 'running') {
        await sleep(intervalMs, signal);
        if (onPartial) {
          const p = await this.jobPartial(state.id, since, signal);
          since = p.next;
          state = { id: p.id, status: p.status, done: p.done, total: p.total, ...(p.error ? { error: p.error } : {}) };
          if (p.features.length > 0) onPartial({ type: 'FeatureCollection', features: p.features });
        } else {
          state = await this.job(state.id, signal);
        }
        onProgress?.(state);
      }
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
    if (state.status === 'failed') {
      throw new EngineRequestError(state.error?.code ?? 'JOB_FAILED', state.error?.message ?? 'the job failed', 500);
    }
    if (state.status === 'cancelled') {
      throw new EngineRequestError('CANCELLED', 'the job was cancelled', 409);
    }
    return this.jobResult(state.id, signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('aborted', 'AbortError'));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
