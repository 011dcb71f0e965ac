/**
 * What a queued extraction carries through Redis. The flow's parent (the merge job) holds the
 * description of the run once; each tile job holds only its window and index (a few dozen bytes), and
 * its result goes to the shared result store, never into Redis.
 */
import type { StoreJob } from '../cache/result-store.js';
import type { TileJobOptions } from '../pipeline/tile-job.js';
import type { PixelWindow } from '../raster/open.js';

export interface ExtractJobData {
  /** The raster: an absolute path every worker sees, or a COG URL. */
  raster: string;
  /** The model file as the submitter named it (workers use their own --model; the sha256 must match). */
  model: string;
  options: TileJobOptions;
  /** The result store directory (shared storage) and the store's binding (raster identity, model sha256, params). */
  storeRoot: string;
  store: StoreJob;
  /** GeoJSON the merge writes (atomically); null: only the result store is filled. */
  output: string | null;
  tiles: number;
  submittedAt: number;
}

export interface TileJobData {
  /** The parent (merge) job id. */
  p: string;
  /** Tile index, row, column and window [x0, y0, x1, y1]. */
  i: number;
  r: number;
  c: number;
  w: PixelWindow;
}

/** What a tile job returns (kept small: it is stored in the parent's processed set). */
export interface TileJobResult {
  /** Detections found (-1: all nodata, nothing stored; -2: skipped, the job was cancelled). */
  n: number;
}

export interface MergeJobResult {
  buildings: number;
  tiles: number;
  /** Tiles the merge found in the store (the rest it had to compute). */
  fromStore: number;
  output: string | null;
}
