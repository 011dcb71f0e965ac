/**
 * The two halves a queue splits `extract` into, computed exactly as extract computes them:
 *
 *   planExtraction(raster, options)  → the tile grid (submitter: one queue job per tile)
 *   openTileRunner(raster, options)  → run(tile): extract's own tile stages for one tile, then store (worker)
 *
 * The merging half is `extract` itself with a `tileStore` holding every tile: it finds each tile in
 * the store and runs no model (a tile missing from the store, e.g. evicted, is computed there).
 */
import { DEFAULTS } from '../config.js';
import type { SegModel } from '../model/segmodel.js';
import type { PixelWindow } from '../raster/open.js';
import type { Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';
import type { ExtractOptions } from './extract.js';
import { planTiles } from './plan.js';
import type { TileResultStore } from './tile-store.js';
import { openExtraction, openResampled, planArea, tileSizeOf } from './open-extraction.js';
import { segmentTile } from './tile-stages.js';

/** The options of extract that travel through a queue (plain data: no model object, no callbacks). */
export type TileJobOptions = Pick<ExtractOptions, 'conf' | 'iou' | 'maxDet' | 'tileSize' | 'overlap' | 'bands' | 'stretch' | 'nodata' | 'srs' | 'crs' | 'resolution' | 'window' | 'extent' | 'simplify' | 'regularize' | 'sharedWalls' | 'minArea' | 'maxArea'>;

/** The tiles extract would run on this raster with these options and this model (openExtraction's own steps). */
export async function planExtraction(source: string, model: SegModel, options: TileJobOptions, signal?: AbortSignal): Promise<{ tiles: Tile[]; area: PixelWindow; tileSize: [number, number] }> {
  const raster = await openResampled(source, options, signal);
  try {
    const { area } = planArea(raster, options);
    const tileSize = tileSizeOf(model, options.tileSize);
    return { tiles: planTiles(area, tileSize, options.overlap ?? DEFAULTS.tiling.overlap), area, tileSize };
  } finally {
    await raster.close();
  }
}

export interface TileRunner {
  /** Segments one tile and puts it in the store; null when every pixel is nodata (nothing stored, as extract). */
  run(tile: Tile, signal?: AbortSignal): Promise<SegmentResult | null>;
  close(): Promise<void>;
}

/**
 * Opens the raster once (with the run's one stretch) for running many of its tiles: the same
 * openExtraction + segmentTile (read → preprocess → infer → decode) that extract streams its tiles through.
 */
export async function openTileRunner(source: string, model: SegModel, store: TileResultStore, options: TileJobOptions, signal?: AbortSignal): Promise<TileRunner> {
  const job = await openExtraction(source, { ...options, model, signal });
  return {
    async run(tile, sig) {
      const { result } = await segmentTile({ ...job.ctx, signal: sig }, tile);
      if (!result) return null;
      await store.put(tile, result);
      return result;
    },
    close: () => job.close(),
  };
}
