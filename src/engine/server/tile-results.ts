/**
 * Per-tile everything-mode results for the server: tiles lie on one global grid per raster (the
 * model's tile size and overlap over the whole raster), so a job on one extent and a prompt on
 * another share tiles. Results are kept in the tile cache (cache/tile-cache: memory LRU + disk)
 * under a key of raster file identity + window + model file identity + parameters; tiles that are
 * missing are segmented by the pipeline (pipeline/extract) over the smallest window covering them.
 * With a result store directory (cache/result-store: the one `fastsam-geo extract` resumes from), every
 * finished tile is also kept there as it comes, so a cancelled or re-run job continues where it stopped
 * and a restarted server finds its tiles again.
 */
import { fileIdentity, cacheKey, type FileIdentity } from '../cache/keys.js';
import { openResultStore } from '../cache/open-result-store.js';
import type { DirTileStore, StoreStats } from '../cache/result-store.js';
import type { TieredCache } from '../cache/tiered-cache.js';
import { EngineError } from '../errors.js';
import type { SegModel } from '../model/segmodel.js';
import { extract, type ExtractOptions, type ExtractResult } from '../pipeline/extract.js';
import type { PixelWindow } from '../raster/open.js';
import { tileGrid, type Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';

export interface TileParams {
  tileSize: [number, number];
  overlap: number;
  conf?: number;
  iou?: number;
  maxDet?: number;
}

export function intersects(a: PixelWindow, b: PixelWindow): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

export function unionWindow(tiles: Tile[]): PixelWindow {
  // A loop, not Math.min(...array): spreading >120,000 tiles overflowed the call stack (issue 18).
  const u: PixelWindow = [Infinity, Infinity, -Infinity, -Infinity];
  for (const t of tiles) {
    u[0] = Math.min(u[0], t.window[0]);
    u[1] = Math.min(u[1], t.window[1]);
    u[2] = Math.max(u[2], t.window[2]);
    u[3] = Math.max(u[3], t.window[3]);
  }
  return u;
}

/** The global tile grid of a raster. */
export function globalGrid(size: { width: number; height: number }, params: TileParams): Tile[] {
  return tileGrid([0, 0, size.width, size.height], params.tileSize, params.overlap);
}

/** Tile size for a model: its fixed input size, else `tileSize` or its default size. */
export function tileSizeFor(model: SegModel, tileSize?: number): [number, number] {
  if (model.fixedSize) {
    if (tileSize !== undefined && tileSize !== model.fixedSize[1]) {
      throw new EngineError('BAD_INPUT', `options.tileSize: got ${tileSize}, expected ${model.fixedSize[1]}: ${model.name} has a fixed input size`);
    }
    return [model.fixedSize[1], model.fixedSize[0]];
  }
  const s = tileSize ?? model.defaultSize[1];
  return [s, s];
}

function emptyResult(tile: Tile, model: SegModel): SegmentResult {
  const w = tile.window[2] - tile.window[0];
  const h = tile.window[3] - tile.window[1];
  return {
    image: { width: w, height: h },
    model: { name: model.name, inputSize: [h, w], numClasses: model.numClasses ?? 1, numMaskCoeffs: model.numMaskCoeffs, device: model.device },
    timings: { preprocess: 0, inference: 0, postprocess: 0 },
    detections: [],
  };
}

export interface TileResultsOptions {
  /** Result store directory (cache/result-store.ts); null: none (memory / tile cache only). */
  storeRoot?: string | null;
  onWarning?: (message: string) => void;
}

export class TileResults {
  /** Result store figures summed over jobs (for /api/health). */
  readonly storeStats: StoreStats = { hits: 0, misses: 0, bad: 0, puts: 0, failedPuts: 0 };

  constructor(private readonly cache: TieredCache<SegmentResult>, private readonly options: TileResultsOptions = {}) {}

  /** The result store of this raster + model + params, or null when there is none. */
  async store(rasterPath: string, modelPath: string, params: TileParams): Promise<DirTileStore | null> {
    if (!this.options.storeRoot) return null;
    return openResultStore(rasterPath, { model: modelPath, conf: params.conf, iou: params.iou, maxDet: params.maxDet }, { root: this.options.storeRoot, onWarning: this.options.onWarning });
  }

  private count(store: DirTileStore | null, before: StoreStats): void {
    if (!store) return;
    for (const k of Object.keys(this.storeStats) as (keyof StoreStats)[]) this.storeStats[k] += store.stats[k] - before[k];
  }

  private key(raster: FileIdentity, model: FileIdentity, params: TileParams, window: PixelWindow): string {
    return cacheKey({
      kind: 'server-tile',
      raster,
      model,
      window: [...window],
      params: { tileSize: params.tileSize, overlap: params.overlap, conf: params.conf, iou: params.iou, maxDet: params.maxDet },
    });
  }

  /**
   * Runs the pipeline over the smallest window covering `tiles`, storing every tile's result.
   * Tiles the pipeline skips (all nodata) are stored as empty results.
   */
  async segment(
    rasterPath: string,
    modelPath: string,
    model: SegModel,
    tiles: Tile[],
    params: TileParams,
    extra: Partial<ExtractOptions> = {},
  ): Promise<{ result: ExtractResult | null; results: Map<string, SegmentResult> }> {
    const rasterId = await fileIdentity(rasterPath);
    const modelId = await fileIdentity(modelPath);
    const results = new Map<string, SegmentResult>();
    const window = unionWindow(tiles);
    let result: ExtractResult | null = null;
    const store = await this.store(rasterPath, modelPath, params);
    const before = store ? { ...store.stats } : this.storeStats;
    try {
      result = await extract(rasterPath, {
        ...extra,
        model,
        tileStore: store ?? undefined,
        window,
        overlap: params.overlap,
        ...(model.fixedSize ? {} : { tileSize: params.tileSize[0] }),
        conf: params.conf,
        iou: params.iou,
        maxDet: params.maxDet,
        onTile: async (tile, r) => {
          results.set(tile.window.join(','), r);
          await this.cache.set(this.key(rasterId, modelId, params, tile.window), r);
          await extra.onTile?.(tile, r);
        },
      });
    } catch (err) {
      if (!(err instanceof EngineError && err.code === 'EMPTY')) throw err;
    } finally {
      this.count(store, before);
    }
    for (const t of tiles) {
      const k = t.window.join(',');
      if (!results.has(k)) {
        const empty = emptyResult(t, model);
        results.set(k, empty);
        await this.cache.set(this.key(rasterId, modelId, params, t.window), empty);
      }
    }
    return { result, results };
  }

  /** Results of `tiles`, segmenting those not cached yet. */
  async get(rasterPath: string, modelPath: string, model: SegModel, tiles: Tile[], params: TileParams, signal?: AbortSignal): Promise<SegmentResult[]> {
    const found = await this.lookup(rasterPath, modelPath, tiles, params, signal);
    const missing = tiles.filter((_, i) => !found[i]);
    if (missing.length > 0) {
      const { results } = await this.segment(rasterPath, modelPath, model, missing, params, { signal });
      tiles.forEach((t, i) => {
        if (!found[i]) found[i] = results.get(t.window.join(','));
      });
    }
    return found as SegmentResult[];
  }

  /** Results of `tiles` already finished (tile cache, then the result store); undefined where none. No model run. */
  async lookup(rasterPath: string, modelPath: string, tiles: Tile[], params: TileParams, signal?: AbortSignal): Promise<(SegmentResult | undefined)[]> {
    const rasterId = await fileIdentity(rasterPath);
    const modelId = await fileIdentity(modelPath);
    const found: (SegmentResult | undefined)[] = [];
    for (const t of tiles) found.push(await this.cache.get(this.key(rasterId, modelId, params, t.window), signal));
    // Then the result store (tiles a job, a CLI run or a queue worker finished earlier).
    const store = found.every(Boolean) ? null : await this.store(rasterPath, modelPath, params);
    if (store) {
      const before = { ...store.stats };
      for (let i = 0; i < tiles.length; i++) {
        if (found[i]) continue;
        const r = await store.get(tiles[i]);
        if (r) {
          found[i] = r;
          await this.cache.set(this.key(rasterId, modelId, params, tiles[i].window), r);
        }
      }
      this.count(store, before);
    }
    return found;
  }
}
