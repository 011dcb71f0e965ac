/**
 * Prompts on a GeoTIFF: the engine function behind `fastsam-geo extract --points/--box/--text` and the
 * server's POST /api/prompt.
 *
 *   const r = await promptRaster('area.tif', {points: [{x: -84.48, y: 33.64, label: 1}], coords: 'EPSG:4326'},
 *                                {model: 'FastSAM-x.onnx', tileCache, embeddingCache});
 *   r.collection // GeoJSON of the selected buildings (properties id, score, area_m2, prompt, tile, source)
 *
 * Everything-mode results come from the tile cache (memory, then disk) under a key of the raster file,
 * the area, the model file and every option that changes the masks; only when some are missing does
 * the tile pipeline (pipeline/extract) run, filling the cache through its onTile hook. Text prompts
 * embed each tile's mask crops once (re-reading the tile's pixels with the run's stretch) into the
 * embedding cache; afterwards a prompt costs the text encoder plus a dot product per mask.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';
import { EngineError, throwIfAborted } from '../errors.js';
import type { Box, SegmentResult } from '../types.js';
import type { TieredCache } from '../cache/tiered-cache.js';
import type { CropEmbeddings } from '../cache/embedding-codec.js';
import { cacheKey, fileIdentity, type FileIdentity } from '../cache/keys.js';
import { createHash } from 'node:crypto';
import { openRaster, type PixelWindow } from '../raster/open.js';
import { toRgb8, type Stretch } from '../raster/normalize.js';
import { chooseBands } from '../pipeline/plan.js';
import { extract, type ExtractOptions } from '../pipeline/extract.js';
import { makeGeoRef } from '../geo/georef.js';
import { featureCollection, type FeatureCollection } from '../export/geojson.js';
import { pixelConverter, boxToPixels } from './coords.js';
import { promptPointsOnTiles, promptBoxesOnTiles, promptTextOnTiles, type PromptTile, type RasterSelected } from './prompt-tiles.js';
import { selectionToFeatures } from './to-features.js';
import { embedTile, embedText, type ClipModels } from './text.js';
import type { PointPrompt } from './points.js';
import type { RasterPrompt } from './prompt-raster-types.js';

export type { RasterPrompt };
import type { MorphologyOptions } from './selection.js';

export interface PromptRasterOptions extends Omit<ExtractOptions, 'onTile' | 'onProgress'>, MorphologyOptions {
  tileCache?: TieredCache<SegmentResult>;
  embeddingCache?: TieredCache<CropEmbeddings>;
  /** Opened CLIP models (text prompts). */
  clip?: ClipModels;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface PromptRasterResult {
  collection: FeatureCollection;
  selected: RasterSelected[];
  unmatched: { type: 'point' | 'box' | 'text'; index: number }[];
  /** True when every tile came from the cache (no model run). */
  cached: boolean;
  tiles: number;
  timings: { segment: number; embed: number; text: number; select: number; vectorize: number; total: number };
}

interface Manifest {
  windows: PixelWindow[];
  stretch: Stretch;
  area: PixelWindow;
}

const manifests = new Map<string, Manifest>();

/** The manifest of a run (tile windows + stretch): in memory, and beside the tile cache's files. */
async function readManifest(key: string, dir: string | null): Promise<Manifest | undefined> {
  const m = manifests.get(key);
  if (m || !dir) return m;
  try {
    const parsed = JSON.parse(await fs.readFile(path.join(dir, 'manifests', key + '.json'), 'utf8')) as Manifest;
    if (Array.isArray(parsed.windows) && Array.isArray(parsed.stretch)) {
      manifests.set(key, parsed);
      return parsed;
    }
  } catch {
    // missing or unreadable: a miss
  }
  return undefined;
}

async function writeManifest(key: string, dir: string | null, m: Manifest): Promise<void> {
  manifests.set(key, m);
  if (!dir) return;
  await fs.mkdir(path.join(dir, 'manifests'), { recursive: true });
  await writeFileAtomic(path.join(dir, 'manifests', key + '.json'), new TextEncoder().encode(JSON.stringify(m)));
}

async function modelIdentity(model: ExtractOptions['model']): Promise<FileIdentity | string> {
  if (typeof model === 'string') return fileIdentity(model);
  if (model instanceof Uint8Array) return { sha256: createHash('sha256').update(model).digest('hex') };
  return `loaded:${model.name}`;
}

export async function promptRaster(rasterPath: string, prompt: RasterPrompt, options: PromptRasterOptions): Promise<PromptRasterResult> {
  const t0 = performance.now();
  const { signal } = options;
  const kinds = [prompt.points?.length, prompt.boxes?.length, prompt.text ? 1 : 0].filter((n) => n).length;
  if (kinds !== 1) {
    throw new EngineError('BAD_INPUT', `prompt: got ${kinds === 0 ? 'none' : 'several kinds'}, expected exactly one of points, boxes or text`);
  }
  if (prompt.text && !options.clip) {
    throw new EngineError('MODEL_MISSING', 'text prompts need the CLIP image and text encoders (clip-vit-b32-vision, clip-vit-b32-text; see `fastsam-geo models`)');
  }
  const raster = await openRaster(rasterPath, { signal });
  const timings = { segment: 0, embed: 0, text: 0, select: 0, vectorize: 0, total: 0 };
  try {
    const runKey = {
      kind: 'tile',
      raster: await fileIdentity(rasterPath),
      model: await modelIdentity(options.model),
      params: {
        conf: options.conf, iou: options.iou, maxDet: options.maxDet, tileSize: options.tileSize, overlap: options.overlap,
        bands: options.bands, stretch: options.stretch, nodata: options.nodata, window: options.window, extent: options.extent, srs: options.srs,
      },
    };
    const manifestKey = cacheKey({ ...runKey, kind: 'manifest' });
    const tileKey = (w: PixelWindow) => cacheKey({ ...runKey, window: w });

    // 1. Tile results from the cache, or one run of the pipeline that fills it.
    const cacheDir = options.tileCache?.dir ?? null;
    let manifest = await readManifest(manifestKey, cacheDir);
    let tiles: PromptTile[] | null = null;
    if (manifest && options.tileCache) {
      const got = await Promise.all(manifest.windows.map((w) => options.tileCache!.get(tileKey(w), signal)));
      if (got.every((r) => r)) tiles = manifest.windows.map((w, i) => ({ window: w, result: got[i]! }));
    }
    const cached = tiles !== null;
    if (!tiles) {
      const s0 = performance.now();
      const fresh: PromptTile[] = [];
      const { onProgress, tileCache, embeddingCache, clip, closeRadius, openRadius, ...extractOptions } = options;
      void embeddingCache; void clip; void closeRadius; void openRadius;
      const r = await extract(rasterPath, {
        ...extractOptions,
        onProgress,
        onTile: async (tile, result) => {
          fresh.push({ window: tile.window, result });
          await tileCache?.set(tileKey(tile.window), result, signal);
        },
      });
      manifest = { windows: fresh.map((t) => t.window), stretch: r.stretch, area: r.window };
      await writeManifest(manifestKey, cacheDir, manifest);
      tiles = fresh;
      timings.segment = performance.now() - s0;
    }
    const rasterSize = { width: raster.width, height: raster.height };
    const morph = { closeRadius: options.closeRadius, openRadius: options.openRadius };

    // 2. Select.
    const toPx = pixelConverter(raster, prompt.coords ?? 'pixel', options.srs);
    let sel;
    let label: string;
    if (prompt.points?.length) {
      const pts = prompt.points.map((p, i) => {
        if (!p || typeof p !== 'object') throw new EngineError('BAD_INPUT', `points[${i}]: got ${JSON.stringify(p)}, expected {x, y, label}`);
        const [x, y] = toPx(p.x, p.y);
        return { x, y, label: p.label ?? 1 } as PointPrompt;
      });
      const s1 = performance.now();
      sel = promptPointsOnTiles(tiles, pts, { rasterSize, merge: prompt.merge, ...morph });
      timings.select = performance.now() - s1;
      label = 'point';
    } else if (prompt.boxes?.length) {
      const boxes = prompt.boxes.map((b) => boxToPixels(b, toPx));
      const s1 = performance.now();
      sel = promptBoxesOnTiles(tiles, boxes, { rasterSize, ...morph });
      timings.select = performance.now() - s1;
      label = 'box';
    } else {
      const clip = options.clip!;
      const e0 = performance.now();
      const bands = chooseBands(raster, options.bands);
      const nodata = options.nodata ?? raster.nodata;
      const visionId = `${clip.vision.session.name}:${clip.vision.imageSize}`;
      for (const t of tiles) {
        throwIfAborted(signal);
        const key = cacheKey({ kind: 'clip-embeddings', tile: tileKey(t.window), vision: visionId });
        let emb = await options.embeddingCache?.get(key, signal);
        if (!emb) {
          const win = await raster.readWindow(t.window, { bands, signal });
          const rgb = toRgb8(win, manifest!.stretch, nodata);
          const e = await embedTile(clip, rgb.image, t.result, { signal });
          emb = { indices: e.indices, embeds: e.embeds, dim: e.dim };
          await options.embeddingCache?.set(key, emb, signal);
        }
        t.embeddings = emb;
      }
      timings.embed = performance.now() - e0;
      const x0 = performance.now();
      const textEmbed = await embedText(clip, prompt.text!, signal);
      timings.text = performance.now() - x0;
      const s1 = performance.now();
      sel = promptTextOnTiles(tiles, textEmbed, {
        rasterSize, mode: prompt.threshold === undefined ? 'best' : 'all', threshold: prompt.threshold, softmax: prompt.softmax, ...morph,
      });
      timings.select = performance.now() - s1;
      label = `text: ${prompt.text}`;
    }

    // 3. Vectorize.
    const v0 = performance.now();
    const geo = makeGeoRef({ ...raster, source: rasterPath }, { crs: options.crs, srs: options.srs });
    const features = selectionToFeatures(sel.selected, geo, {
      source: path.basename(rasterPath),
      promptLabel: () => label,
      simplify: options.simplify,
      regularize: options.regularize,
      sharedWalls: options.sharedWalls,
      minArea: options.minArea,
      maxArea: options.maxArea,
    });
    const collection = featureCollection(features, {
      nativeCrs: geo.output === 'native' ? geo.outputCrs : null,
      extra: geo.output === 'pixel' ? { note: 'no georeferencing: coordinates are pixel columns/rows' } : {},
    });
    timings.vectorize = performance.now() - v0;
    timings.total = performance.now() - t0;
    return { collection, selected: sel.selected, unmatched: sel.unmatched, cached, tiles: tiles.length, timings };
  } finally {
    await raster.close();
  }
}
