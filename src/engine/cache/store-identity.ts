/**
 * What a stored tile result is keyed by, besides its window: the raster's identity (a local file by
 * real path + size + mtime; a URL by its ETag / Last-Modified / length), the model file's sha256 and
 * the options that change a tile's masks. Tile size and overlap are not among them: a tile's result
 * depends on its window alone (a dynamic model runs at the window's size, a fixed one at its own), so
 * runs with other grids reuse the windows they share.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { DEFAULTS } from '../config.js';
import { EngineError } from '../errors.js';
import { fileIdentity, type FileIdentity } from './keys.js';

export type RasterIdentity = FileIdentity | { url: string; etag: string | null; lastModified: string | null; length: number | null };

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/** Identity of a local raster or a COG URL; null when a URL has neither ETag nor Last-Modified (not cacheable). */
export async function rasterIdentity(source: string, signal?: AbortSignal): Promise<RasterIdentity | null> {
  if (!isUrl(source)) return fileIdentity(source);
  let res: Response;
  try {
    // No redirects followed here (the raster reader checks every hop against the allow-list) and a
    // bounded wait: a redirecting or silent server just makes the raster uncached.
    const timeout = AbortSignal.timeout(30_000);
    res = await fetch(source, { method: 'HEAD', redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (err) {
    if (signal?.aborted) throw new EngineError('ABORTED', 'cancelled');
    return null;
  }
  if (res.status >= 300 && res.status < 400) return null;
  if (!res.ok) throw new EngineError('NOT_FOUND', `${source}: HEAD answered ${res.status}`);
  const etag = res.headers.get('etag');
  const lastModified = res.headers.get('last-modified');
  if (!etag && !lastModified) return null;
  const len = res.headers.get('content-length');
  return { url: source, etag, lastModified, length: len === null ? null : Number(len) };
}

const modelHashes = new Map<string, string>();

/** sha256 of a model file (remembered per path + size + mtime in this process) or of model bytes. */
export async function modelHash(model: string | Uint8Array): Promise<string> {
  if (typeof model !== 'string') return createHash('sha256').update(model).digest('hex');
  const id = await fileIdentity(model);
  const memo = JSON.stringify(id);
  const known = modelHashes.get(memo);
  if (known) return known;
  // Never block on a FIFO or read /dev/zero forever: only a regular file is hashed (the loader then
  // refuses the rest with BAD_MODEL too).
  const st = await fs.stat(model);
  if (!st.isFile()) throw new EngineError('BAD_MODEL', `model '${model}' is not a regular file (a device, FIFO or socket): refusing to read it`);
  const h = createHash('sha256');
  for await (const chunk of createReadStream(model)) h.update(chunk as Buffer);
  const hex = h.digest('hex');
  modelHashes.set(memo, hex);
  return hex;
}

/** The options that change a tile's result (as given to extract), with the engine defaults filled in. */
export interface ResultParamsInput {
  conf?: number;
  iou?: number;
  maxDet?: number;
  bands?: number[];
  stretch?: [number, number] | 'none';
  nodata?: number;
  resolution?: number;
  srs?: string;
}

export function resultParams(o: ResultParamsInput): Record<string, unknown> {
  return {
    conf: o.conf ?? DEFAULTS.segment.conf,
    iou: o.iou ?? DEFAULTS.segment.iou,
    maxDet: o.maxDet ?? DEFAULTS.segment.maxDet,
    bands: o.bands ?? 'default',
    stretch: o.stretch ?? 'default',
    nodata: o.nodata ?? 'file',
    resolution: o.resolution ?? 'native',
    // The CRS only matters for resampling (metres per pixel).
    srs: o.resolution !== undefined ? o.srs ?? null : null,
  };
}
