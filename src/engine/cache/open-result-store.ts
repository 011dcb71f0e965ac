/**
 * Opens the result store for one extraction: binds the raster's identity, the model file's sha256 and
 * the result-changing options, so the pipeline names a tile by its window alone.
 *
 *   const store = await openResultStore('area.tif', {model: 'FastSAM-x.onnx', conf: 0.4});
 *   await extract('area.tif', {model, tileStore: store ?? undefined});
 */
import path from 'node:path';
import { DirTileStore, type ResultStoreOptions, type StoreJob } from './result-store.js';
import { modelHash, rasterIdentity, resultParams, type ResultParamsInput } from './store-identity.js';

export interface OpenResultStoreInput extends ResultParamsInput {
  /** The model file (path) or its bytes. */
  model: string | Uint8Array;
  signal?: AbortSignal;
}

/** The job part of a store (what a queue carries to its workers). Null: a URL without ETag/Last-Modified. */
export async function storeJobFor(source: string, input: OpenResultStoreInput): Promise<StoreJob | null> {
  const raster = await rasterIdentity(source, input.signal);
  if (!raster) return null;
  const local = !/^https?:\/\//i.test(source);
  return { source: local ? path.resolve(source) : source, raster, model: await modelHash(input.model), params: resultParams(input) };
}

/**
 * The store of this run, or null (with a warning for a URL that cannot be identified): a missing raster
 * or model is left to extract, which says so in its own words.
 */
export async function openResultStore(source: string, input: OpenResultStoreInput, options: ResultStoreOptions = {}): Promise<DirTileStore | null> {
  let job: StoreJob | null;
  try {
    job = await storeJobFor(source, input);
  } catch (err) {
    if (/^https?:\/\//i.test(source)) options.onWarning?.(`${(err as Error).message}; tile results are not cached (no resume)`);
    return null;
  }
  if (!job) {
    options.onWarning?.(`${source}: the server sends neither ETag nor Last-Modified; tile results are not cached (no resume)`);
    return null;
  }
  return new DirTileStore(job, options);
}
