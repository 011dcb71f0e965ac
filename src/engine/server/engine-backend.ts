/**
 * The EngineBackend that ships: the HTTP routes call the real engine stages through it.
 * The segmentation model is loaded on first use and kept; per-tile results go to the tile cache
 * (tile-results.ts), so a prompt on an area a job has segmented runs no model at all.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createTileCache, createEmbeddingCache } from '../cache/tile-cache.js';
import { cacheKey, fileIdentity } from '../cache/keys.js';
import { version } from '../cli/command.js';
import { DEFAULTS, resultsDir } from '../config.js';
import { EngineError } from '../errors.js';
import { SharedWork } from './shared-work.js';
import type { SegmentResult } from '../types.js';
import { featureCollection } from '../export/geojson.js';
import { checkAffine, makeGeoRef } from '../geo/georef.js';
import { loadSegModel, type SegModel } from '../model/segmodel.js';
import { chooseBands, windowForExtent } from '../pipeline/plan.js';
import { boxToPixels, pixelConverter } from '../prompts/coords.js';
import { promptBoxesOnTiles, promptPointsOnTiles, promptTextOnTiles, type PromptTile, type RasterSelected } from '../prompts/prompt-tiles.js';
import { selectionToFeatures } from '../prompts/to-features.js';
import { DEFAULT_SEG_MODEL, findModel, knownModels, modelPath, resolveModel } from '../models/registry.js';
import { ensureSegModel } from '../models/ensure.js';
import { openRaster, type PixelWindow, type Raster } from '../raster/open.js';
import type { Tile } from '../raster/tiling.js';
import type { Box } from '../types.js';
import type { EngineBackend, FeatureCollection, ModelEntry, PromptRequest, SegmentRequest, TileObjects, TilesRequest } from './backend.js';

/** Tiles answered by one /api/tiles request (the client asks again for the rest). */
const MAX_TILE_OBJECTS = 64;
import type { JobContext } from './jobs.js';
import { describeRaster } from './raster-info.js';
import { TextPrompter } from './text-prompter.js';
import { TileResults, globalGrid, intersects, tileSizeFor, type TileParams } from './tile-results.js';
import { tileFeatures, tileWindowFeature } from './tile-features.js';
import type { GeoRef } from '../geo/georef.js';

export interface EngineBackendOptions {
  /** Segmentation model: a name in the models directory (FastSAM-s, FastSAM-x) or a path. Default FastSAM-s. */
  model?: string;
  /** CLIP image / text encoders (names or paths) for text prompts. */
  clipVision?: string;
  clipText?: string;
  /** CLIP BPE merges (bpe_simple_vocab_16e6.txt.gz) for the text tokenizer; default: the file in the models directory. */
  clipBpe?: string;
  /** Execution provider ('cpu' default; trailing '!' = strict). */
  device?: string;
  /** Intra-op threads of the segmentation model (default: config intraOpThreads(), one per core). */
  threads?: number;
  /** Tile-result cache directory; null = memory only; default <cacheDir>/tiles. */
  cacheDir?: string | null;
  /** Memory bound of the tile cache in bytes. */
  cacheBytes?: number;
  /**
   * Per-tile result store (resume; shared with `fastsam-geo extract` and queue workers). Default:
   * <cacheDir>/results when cacheDir is given, none when cacheDir is null, else resultsDir().
   */
  resultsDir?: string | null;
  /** Redis URL: segment jobs run on queue workers (fastsam-geo worker) instead of in this process. */
  queue?: string;
}

/** A model name or path → an absolute path (models/registry: MODEL_MISSING says how to provide it). */
export function resolveSegModel(nameOrPath: string): string {
  return resolveModel(nameOrPath, 'fastsam');
}

/** options.imgsz and options.tileSize name the same thing (the model input = the tile); both must agree. */
function imgszAsTileSize(o: { imgsz?: number; tileSize?: number }): number | undefined {
  if (o.imgsz !== undefined && o.tileSize !== undefined && o.imgsz !== o.tileSize) {
    throw new EngineError('BAD_INPUT', `options.imgsz (${o.imgsz}) and options.tileSize (${o.tileSize}) differ: the model runs on each tile at the tile size, give one of them`);
  }
  return o.tileSize ?? o.imgsz;
}

export function createEngineBackend(options: EngineBackendOptions = {}): EngineBackend {
  const requested = options.device ?? DEFAULTS.device;
  const modelName = options.model ?? DEFAULT_SEG_MODEL;
  const storeRoot = options.resultsDir !== undefined ? options.resultsDir
    : options.cacheDir === null ? null : options.cacheDir !== undefined ? path.join(options.cacheDir, 'results') : resultsDir();
  if (options.queue && !storeRoot) throw new EngineError('BAD_INPUT', 'queue: the workers hand tiles over through the result store; give a results directory');
  // With a result store, it is the disk level: the tile cache stays in memory.
  const cacheOpts = { dir: storeRoot ? null : options.cacheDir === undefined ? undefined : options.cacheDir, maxBytes: options.cacheBytes };
  const tileCache = createTileCache(cacheOpts);
  const tiles = new TileResults(tileCache, { storeRoot, onWarning: (m) => process.stderr.write(`warning: ${m}\n`) });
  const text = new TextPrompter({
    vision: options.clipVision,
    text: options.clipText,
    bpe: options.clipBpe,
    device: requested,
    cache: createEmbeddingCache({ dir: options.cacheDir === undefined ? undefined : options.cacheDir === null ? null : path.join(options.cacheDir, 'clip') }),
  });
  let modelPromise: Promise<{ model: SegModel; path: string }> | null = null;
  const inFlight = new SharedWork<SegmentResult[]>();
  let active: string | null = null;

  const getModel = (): Promise<{ model: SegModel; path: string }> => {
    if (!modelPromise) {
      modelPromise = (async () => {
        const p = await ensureSegModel(modelName);
        const model = await loadSegModel(p, { device: requested, intraOpThreads: options.threads });
        active = model.device;
        return { model, path: p };
      })();
      modelPromise.catch(() => { modelPromise = null; });
    }
    return modelPromise;
  };

  const params = (model: SegModel, o: SegmentRequest['options'] = {}): TileParams => ({
    // The model runs on each tile at the tile's size: imgsz is the tile size (it was accepted and ignored).
    tileSize: tileSizeFor(model, imgszAsTileSize(o)),
    overlap: o.overlap ?? DEFAULTS.tiling.overlap,
    conf: o.conf,
    iou: o.iou,
    maxDet: o.maxDet,
  });

  /** Global-grid tiles covering the request's extent (or the whole raster). */
  const areaTiles = (raster: Raster, req: SegmentRequest, p: TileParams): { grid: Tile[]; area: PixelWindow; tiles: Tile[] } => {
    // A degenerate geotransform is refused when the job is submitted, not when it runs.
    if (raster.affine) checkAffine(raster.affine, raster.width, raster.height, req.rel);
    const grid = globalGrid(raster, p);
    const area: PixelWindow = req.extent ? areaWindow(raster, req.extent) : [0, 0, raster.width, raster.height];
    return { grid, area, tiles: grid.filter((t) => intersects(t.window, area)) };
  };

  /** The model, the request's tiles, their parameters and the raster's georeferencing (the raster is closed again). */
  const planRequest = async (req: SegmentRequest, signal?: AbortSignal): Promise<{ model: SegModel; modelPath: string; area: Tile[]; p: TileParams; geo: GeoRef }> => {
    const { model, path: modelPath } = await getModel();
    const raster = await openRaster(req.path, { signal });
    try {
      const p = params(model, req.options);
      return { model, modelPath, area: areaTiles(raster, req, p).tiles, p, geo: makeGeoRef({ ...raster, source: req.rel }, { crs: 'wgs84' }) };
    } finally {
      await raster.close();
    }
  };

  return {
    version: () => version(),
    device: () => ({ requested, active }),
    stats: () => ({ tiles: { entries: tileCache.memoryEntries, bytes: tileCache.memoryBytes, ...tileCache.stats }, ...(storeRoot ? { store: { root: storeRoot, ...tiles.storeStats } } : {}) }),

    async models(): Promise<ModelEntry[]> {
      const entries: ModelEntry[] = [];
      const explicit: Record<string, string | undefined> = { fastsam: findModel(modelName) ? undefined : modelName, 'clip-vision': options.clipVision, 'clip-text': options.clipText, 'clip-bpe': options.clipBpe };
      for (const [kind, p] of Object.entries(explicit)) {
        if (p && !findModel(p)) entries.push({ name: path.basename(p), kind: kind === 'fastsam' ? 'segment' : kind, path: path.resolve(p), present: existsSync(p) });
      }
      for (const m of knownModels()) {
        const p = modelPath(m);
        entries.push({ name: m.name, kind: m.kind === 'fastsam' ? 'segment' : m.kind, path: p, present: existsSync(p) });
      }
      return entries;
    },

    raster: (abs, rel, signal, open) => describeRaster(abs, rel, signal, open),

    async countTiles(req, signal) {
      const { model } = await getModel();
      const raster = await openRaster(req.path, { signal });
      try {
        return areaTiles(raster, req, params(model, req.options)).tiles.length;
      } finally {
        await raster.close();
      }
    },

    async segment(req: SegmentRequest, ctx: JobContext): Promise<FeatureCollection> {
      const { model, modelPath, area, p, geo } = await planRequest(req, ctx.signal);
      const byWindow = new Map(area.map((t) => [t.window.join(','), t]));
      // Each finished tile's objects are published at once (GET /api/jobs/:id/partial): the map draws
      // the job tile by tile. A tile is global-grid numbered; an object belongs to the tile it lies deepest in.
      const publish = (tile: Tile, r: SegmentResult): void => {
        const t = byWindow.get(tile.window.join(','));
        if (!t) return;
        try {
          ctx.publish?.(tileFeatures(t, r, geo, { keep: 'core', tiles: area, source: req.rel, options: req.options }));
        } catch (err) {
          process.stderr.write(`warning: partial results of tile ${t.index}: ${(err as Error).message}\n`);
        }
      };
      if (options.queue) {
        const { segmentOnQueue } = await import('./queued-segment.js');
        const store = ctx.publish ? await tiles.store(req.path, modelPath, p) : null;
        const { watchFinishedTiles } = await import('./finished-tiles.js');
        return segmentOnQueue(options.queue, storeRoot!, req, modelPath, area, p, ctx, store ? watchFinishedTiles(store, area, publish) : undefined);
      }
      const { result } = await tiles.segment(req.path, modelPath, model, area, p, {
        signal: ctx.signal,
        minArea: req.options?.minArea,
        simplify: req.options?.simplify,
        regularize: req.options?.regularize,
        sharedWalls: req.options?.sharedWalls,
        onProgress: (pr) => ctx.progress(pr.done, pr.total),
        onTile: publish,
      });
      return (result?.collection as unknown as FeatureCollection) ?? featureCollectionOf([]);
    },

    async prompt(req: PromptRequest, signal?: AbortSignal): Promise<FeatureCollection> {
      const { model, path: modelPath } = await getModel();
      const raster = await openRaster(req.path, { signal });
      try {
        const p = params(model, req.options);
        const { grid, area, tiles: inArea } = areaTiles(raster, req, p);
        const toPx = pixelConverter({ ...raster, source: req.rel }, req.crs ?? 'EPSG:4326');
        const points = (req.points ?? []).map((pt) => {
          const [x, y] = toPx(pt.x, pt.y);
          return { x, y, label: pt.label };
        });
        const boxes: Box[] = (req.boxes ?? []).map((b) => boxToPixels(b as Box, toPx));
        // Only the tiles a prompt touches (within the extent when one is given); text needs the whole area.
        const inside = (x: number, y: number, w: PixelWindow) => x >= w[0] && x < w[2] && y >= w[1] && y < w[3];
        const needed = req.text
          ? inArea
          : (req.extent ? inArea : grid).filter((t) =>
              points.some((pt) => inside(pt.x, pt.y, t.window)) ||
              boxes.some((b) => intersects(t.window, [b[0], b[1], b[2], b[3]])),
            );
        if (needed.length === 0) {
          throw new EngineError('OUT_OF_BOUNDS', `the prompt lies outside ${req.rel}${req.extent ? ' or outside the extent' : ''} (${raster.width}×${raster.height} pixels)`);
        }
        if (req.text) await text.ready(); // missing CLIP files: fail before segmenting anything
        // Identical tile sets in flight are segmented once; the work stops when no caller waits.
        const workKey = JSON.stringify([req.path, modelPath, p, needed.map((t) => t.window.join(',')).join(';')]);
        const results = await inFlight.run(workKey, (s) => tiles.get(req.path, modelPath, model, needed, p, s), signal);
        const promptTiles: PromptTile[] = needed.map((t, i) => ({ window: t.window, result: results[i] }));
        const selected: RasterSelected[] = [];
        let bestScore: number | null | undefined;
        const size = { width: raster.width, height: raster.height };
        if (points.length) for (const x of promptPointsOnTiles(promptTiles, points, { rasterSize: size }).selected) selected.push(x);
        if (boxes.length) for (const x of promptBoxesOnTiles(promptTiles, boxes, { rasterSize: size }).selected) selected.push(x);
        if (req.text) {
          const rasterId = await fileIdentity(req.path);
          const bands = chooseBands(raster);
          const keyOf = (t: Tile) => cacheKey({ kind: 'server-clip', raster: rasterId, model: modelPath, window: [...t.window], tileSize: p.tileSize, conf: p.conf, iou: p.iou, maxDet: p.maxDet });
          const withEmb = await text.embed(raster, bands, needed, promptTiles, keyOf, signal);
          const textEmbed = await text.embedText(req.text, signal);
          const r = promptTextOnTiles(withEmb, textEmbed, {
            rasterSize: size,
            ...(req.threshold !== undefined ? { mode: 'all' as const, threshold: req.threshold } : {}),
          });
          selected.push(...r.selected);
          bestScore = r.bestScore ?? null;
        }
        const geo = makeGeoRef({ ...raster, source: req.rel }, { crs: 'wgs84' });
        const features = selectionToFeatures(selected, geo, {
          source: path.basename(req.path),
          simplify: req.options?.simplify ?? DEFAULTS.extract.simplify,
          regularize: req.options?.regularize ?? DEFAULTS.extract.regularize,
          sharedWalls: req.options?.sharedWalls ?? DEFAULTS.extract.sharedWalls,
          minArea: req.options?.minArea ?? 0,
          promptLabel: (s) => (s.prompt.type === 'text' ? `text:${req.text}` : s.prompt.type),
        });
        // `tile` is the index on the raster's global grid.
        for (const f of features) {
          const k = f.properties.tile as number;
          if (typeof k === 'number' && needed[k]) f.properties.tile = needed[k].index;
        }
        const fc = featureCollectionOf(features);
        // text prompts: the best candidate's score, so that "nothing above the threshold" can say how close it came
        if (bestScore !== undefined) fc.best_score = bestScore;
        return fc;
      } finally {
        await raster.close();
      }
    },

    async tileObjects(req: TilesRequest, signal?: AbortSignal): Promise<TileObjects> {
      const { modelPath, area, p, geo } = await planRequest(req, signal);
      const skip = new Set(req.skip ?? []);
      const wanted = area.filter((t) => !skip.has(t.index)).slice(0, MAX_TILE_OBJECTS);
      const found = await tiles.lookup(req.path, modelPath, wanted, p, signal);
      const objects: FeatureCollection['features'] = [];
      const windows: FeatureCollection['features'] = [];
      let missing = 0;
      wanted.forEach((t, i) => {
        const r = found[i];
        if (!r) {
          missing++;
          return;
        }
        windows.push(tileWindowFeature(t, geo));
        for (const f of tileFeatures(t, r, geo, { keep: 'all', source: req.rel, options: req.options })) objects.push(f);
      });
      return {
        objects: featureCollectionOf(objects),
        tiles: featureCollectionOf(windows),
        missing,
        more: area.length - skip.size > wanted.length ? area.filter((t) => !skip.has(t.index)).length - wanted.length : 0,
      };
    },

    async warm(): Promise<void> {
      await getModel();
    },

    async close(): Promise<void> {
      const m = modelPromise;
      modelPromise = null;
      if (m) await m.then((x) => x.model.dispose(), () => {});
      await text.close();
    },
  };
}

/**
 * The pixel window of a request's extent: in a CRS (windowForExtent), or in raster pixels
 * (crs "pixel": x right, y down), which is how the map asks on a raster without georeferencing.
 */
function areaWindow(raster: Raster, extent: { bbox: [number, number, number, number]; crs: string }): PixelWindow {
  if (extent.crs !== 'pixel') return windowForExtent(raster, extent);
  const b = extent.bbox;
  if (!b.every(Number.isFinite) || b[2] <= b[0] || b[3] <= b[1]) {
    throw new EngineError('BAD_INPUT', `extent.bbox: got ${JSON.stringify(b)}, expected [minx, miny, maxx, maxy] with max > min`);
  }
  const w: PixelWindow = [
    Math.max(0, Math.floor(b[0])), Math.max(0, Math.floor(b[1])),
    Math.min(raster.width, Math.ceil(b[2])), Math.min(raster.height, Math.ceil(b[3])),
  ];
  if (!(w[2] > w[0] && w[3] > w[1])) throw new EngineError('OUT_OF_BOUNDS', `extent [${b.join(', ')}] (pixels) is outside ${raster.source} (${raster.width}×${raster.height} pixels)`);
  return w;
}

function featureCollectionOf(features: unknown[]): FeatureCollection {
  return featureCollection(features as never) as unknown as FeatureCollection;
}
