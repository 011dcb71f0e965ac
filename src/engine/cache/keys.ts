/**
 * Cache keys. A tile result depends on the raster (its file: path + size + mtime, or its content
 * hash), the window read from it, the model (file identity or hash) and every parameter that changes
 * the masks (imgsz, conf, iou, maxDet, retinaMasks, band/stretch choices...). The key is the sha256 of
 * a canonical JSON of those parts (object keys sorted), so equal inputs give equal keys across runs.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';

/** A file named by where it is and its stat (cheap), or by its content (sha256). */
export type FileIdentity = { path: string; size: number; mtimeMs: number } | { sha256: string };

export interface TileKeyParts {
  raster: FileIdentity | string;
  /** [x, y, width, height] in raster pixels (plus an overview level when read from one). */
  window: number[];
  model: FileIdentity | string;
  /** Thresholds and every other option that changes the result. */
  params?: Record<string, unknown>;
  /** What is cached ('tile', 'clip-embeddings', ...): keeps kinds apart. */
  kind?: string;
}

/** Canonical JSON: object keys sorted at every level. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function cacheKey(parts: TileKeyParts | Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

/** Path + size + mtime of a file (a changed file gets a new identity). */
export async function fileIdentity(file: string): Promise<FileIdentity> {
  try {
    const real = await fs.realpath(file);
    const st = await fs.stat(real);
    return { path: real, size: st.size, mtimeMs: Math.round(st.mtimeMs) };
  } catch {
    throw new EngineError('NOT_FOUND', `file not found: ${path.resolve(file)}`);
  }
}

/** sha256 of a file's content (streamed), for identities that survive copies and renames. */
export async function contentHash(file: string, signal?: AbortSignal): Promise<FileIdentity> {
  const h = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { signal })) h.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).name === 'AbortError') throw new EngineError('ABORTED', 'cancelled');
    throw new EngineError('NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`);
  }
  return { sha256: h.digest('hex') };
}
