/**
 * The tile pipeline: GeoTIFF → building polygons.
 *
 *   const r = await extract('area.tif', {model: 'FastSAM-x.onnx', signal, onProgress});
 *   r.collection // GeoJSON FeatureCollection (WGS84 by default)
 *
 * Per tile (model input size, overlap DEFAULTS.tiling.overlap): read only that window (the next tile
 * is read while the model runs), stretch to 8-bit RGB with one per-raster stretch, segment
 * (model/segmodel), keep masks as candidates in global pixels (nodata pixels removed), hand the
 * SegmentResult to `onTile`. Then seam merge (vectorize/merge), exact tracing, georeferencing,
 * regularization / simplification / area filter (vectorize/shape) and stable ids.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../config.js';
import { EngineError, throwIfAborted } from '../errors.js';
import type { SegModel } from '../model/segmodel.js';
import { inputSizeFor, loadSegModel, segmentImage } from '../model/segmodel.js';
import type { CroppedMask, SegmentResult } from '../types.js';
import { openRaster } from '../raster/open.js';
import { factorForResolution, resampleRaster } from '../raster/resample.js';
import type { PixelWindow, Raster, WindowData } from '../raster/open.js';
import type { Tile } from '../raster/tiling.js';
import { computeStretch, identityStretch, toRgb8 } from '../raster/normalize.js';
import type { Rgb8, Stretch } from '../raster/normalize.js';
import { makeGeoRef } from '../geo/georef.js';
import type { OutputCrs } from '../geo/georef.js';
import { mergeFinished, touchesInnerEdge } from '../vectorize/merge.js';
import type { Candidate, MergedObject } from '../vectorize/merge.js';
import { tracePolygons } from '../vectorize/trace.js';
import { shapePolygon } from '../vectorize/shape.js';
import { shapeObjectsWithWalls, WallBatcher } from '../vectorize/wall-grid.js';
import { featureCollection } from '../export/geojson.js';
import type { Feature, FeatureCollection } from '../export/geojson.js';
import { checkWindow, chooseBands, planTiles, windowForExtent } from './plan.js';
import type { Extent } from './plan.js';
import type { TileResultStore } from './tile-store.js';

export interface ExtractProgress {
  done: number;
  total: number;
}

export interface ExtractOptions {
  /** A loaded model, or a model file path / bytes (loaded here and disposed at the end). */
  model: SegModel | string | Uint8Array;
  device?: string;
  conf?: number;
  iou?: number;
  maxDet?: number;
  /** Tile side in pixels (default: the model's input size). Dynamic models run at this size. */
  tileSize?: number;
  overlap?: number;
  /** 1-based bands: one (repeated to RGB) or three. Default: 1 → [1], ≥ 3 → [1, 2, 3]. */
  bands?: number[];
  /** Percentile stretch [low, high] (default 2–98) or 'none'. uint8 rasters are not stretched unless asked. */
  stretch?: [number, number] | 'none';
  nodata?: number;
  srs?: string;
  crs?: OutputCrs;
  /**
   * Target ground resolution in metres per pixel: the raster is resampled (box filter when coarser,
   * bilinear when finer) so that the model sees buildings at the scale it works best at. Default: the
   * raster's native resolution. Pixel windows and tile numbers are then in the resampled pixels.
   */
  resolution?: number;
  /** Only this pixel window [x0, y0, x1, y1] or this extent. */
  window?: PixelWindow;
  extent?: Extent;
  simplify?: number;
  regularize?: boolean;
  /** Touching masks keep one exact common wall when simplified / regularized (default true). */
  sharedWalls?: boolean;
  minArea?: number;
  maxArea?: number;
  signal?: AbortSignal;
  onProgress?: (p: ExtractProgress) => void;
  /** Each tile's raw segmentation (tile-local pixels), e.g. for a prompt cache. */
  onTile?: (tile: Tile, result: SegmentResult) => void | Promise<void>;
  onWarning?: (message: string) => void;
  /** Finished tiles' raw results: a tile found here skips the model; a fresh one is put here. */
  tileStore?: TileResultStore;
}

export interface ExtractTimings {
  read: number;
  model: number;
  decode: number;
  vectorize: number;
  /** Part of `vectorize` spent shaping traced polygons: georeference, simplify, regularize, area, project. */
  geo: number;
  total: number;
}

export interface ExtractResult {
  collection: FeatureCollection;
  tiles: number;
  detections: number;
  buildings: number;
  /** Milliseconds summed over tiles (read/model/decode) and for the vectorize stage. */
  timings: ExtractTimings;
  window: PixelWindow;
  tileSize: [number, number];
  stretch: Stretch;
  stretchFrom: string;
  warnings: string[];
  device: string;
}

function globalMask(m: CroppedMask, tile: Tile, valid: Uint8Array | null): { mask: CroppedMask; area: number } {
  const tw = tile.window[2] - tile.window[0];
  const data = new Uint8Array(m.data);
  let area = 0;
  for (let r = 0; r < m.height; r++) {
    for (let c = 0; c < m.width; c++) {
      const i = r * m.width + c;
      if (data[i] && valid && !valid[(m.y + r) * tw + (m.x + c)]) data[i] = 0;
      area += data[i];
    }
  }
  return { mask: { x: m.x + tile.window[0], y: m.y + tile.window[1], width: m.width, height: m.height, data }, area };
}

export async function extract(rasterPath: string, options: ExtractOptions): Promise<ExtractResult> {
  const t0 = performance.now();
  const { signal } = options;
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  if (!options || !options.model) throw new EngineError('BAD_INPUT', 'model: got nothing, expected a model file or a loaded model');
  const D = DEFAULTS.extract;
  const overlap = options.overlap ?? DEFAULTS.tiling.overlap;
  let raster: Raster = await openRaster(rasterPath, { signal });
  if (options.resolution !== undefined) {
    try {
      const g = makeGeoRef({ ...raster, source: rasterPath }, { srs: options.srs });
      const pixelMeters = g.workToMeters ? g.workPixelSize * g.workToMeters : null;
      raster = resampleRaster(raster, factorForResolution(options.resolution, pixelMeters, rasterPath));
    } catch (err) {
      await raster.close();
      throw err;
    }
  }
  let model: SegModel | null = null;
  const ownModel = typeof options.model === 'string' || options.model instanceof Uint8Array;
  try {
    const geo = makeGeoRef({ ...raster, source: rasterPath }, { crs: options.crs, srs: options.srs });
    geo.warnings.forEach(warn);
    const bands = chooseBands(raster, options.bands);
    const nodata = options.nodata ?? raster.nodata;
    let area: PixelWindow = [0, 0, raster.width, raster.height];
    if (options.window) area = checkWindow(raster, options.window);
    else if (options.extent) area = windowForExtent(raster, options.extent, options.srs);

    model = ownModel ? await loadSegModel(options.model as string | Uint8Array, { device: options.device }) : (options.model as SegModel);
    let tileSize: [number, number];
    if (model.fixedSize) {
      tileSize = [model.fixedSize[1], model.fixedSize[0]];
      if (options.tileSize && options.tileSize !== model.fixedSize[0]) {
        throw new EngineError('BAD_INPUT', `tileSize: got ${options.tileSize}, expected ${model.fixedSize[0]}: ${model.name} has a fixed input size`);
      }
    } else {
      const s = options.tileSize ?? model.defaultSize[0];
      inputSizeFor(model, s);
      tileSize = [s, s];
    }
    const tiles = planTiles(area, tileSize, overlap);

    // One stretch per raster.
    let stretch: Stretch;
    let stretchFrom: string;
    const wantStretch = options.stretch ?? (raster.dtype === 'uint8' ? 'none' : D.percentiles);
    if (wantStretch === 'none') {
      if (raster.dtype !== 'uint8') throw new EngineError('BAD_INPUT', `stretch: got "none" for a ${raster.dtype} raster, expected a percentile range (only uint8 can be used as is)`);
      stretch = identityStretch(bands.length);
      stretchFrom = 'none (uint8)';
    } else {
      const s = await computeStretch(raster, { bands, percentiles: wantStretch, nodata, signal });
      if (s.validSamples === 0) {
        if (s.complete) throw new EngineError('EMPTY', `${rasterPath}: every pixel is nodata${nodata !== null ? ` (${nodata})` : ''}: nothing to extract`);
        warn(`${rasterPath}: the stretch sample found only nodata; using the dtype's range`);
      }
      stretch = s.stretch;
      stretchFrom = s.from;
    }

    const timings: ExtractTimings = { read: 0, model: 0, decode: 0, vectorize: 0, geo: 0, total: 0 };
    const shapeOpts = {
      simplify: options.simplify ?? D.simplify,
      regularize: options.regularize ?? D.regularize,
      minArea: options.minArea ?? D.minArea,
      maxArea: options.maxArea ?? (D.maxArea || undefined),
      sharedWalls: options.sharedWalls ?? D.sharedWalls,
    };
    const source = path.basename(rasterPath);
    const built: { key: [number, number]; feature: Omit<Feature, 'id'> }[] = [];
    // Objects are vectorized as soon as no later tile can touch them (after each tile row), so only
    // about one row of masks is held however large the raster: memory does not grow with its size.
    const vectorizeObjects = (objs: MergedObject[]): void => {
      // Shared walls (vectorize/wall-grid): objects whose masks touch are shaped together.
      const g1 = performance.now();
      const walls = shapeOpts.sharedWalls && (shapeOpts.regularize || shapeOpts.simplify > 0) ? shapeObjectsWithWalls(objs, geo, shapeOpts) : null;
      timings.geo += performance.now() - g1;
      for (const [i, obj] of objs.entries()) {
        if (built.length % 64 === 0) throwIfAborted(signal);
        const g0 = performance.now();
        const shaped = walls?.get(i) ?? tracePolygons(obj.mask.data, obj.mask.width, obj.mask.height, { offsetX: obj.mask.x, offsetY: obj.mask.y })
          .map((p) => ({ p, s: shapePolygon(p, geo, shapeOpts) })).filter((x) => x.s !== null);
        timings.geo += performance.now() - g0;
        if (shaped.length === 0) continue;
        const areaM2 = shaped.every((x) => x.s!.areaM2 !== null) ? shaped.reduce((a, x) => a + x.s!.areaM2!, 0) : null;
        const geometry: Feature['geometry'] = shaped.length === 1
          ? { type: 'Polygon', coordinates: shaped[0].s!.coordinates }
          : { type: 'MultiPolygon', coordinates: shaped.map((x) => x.s!.coordinates) };
        const key: [number, number] = [Math.min(...shaped.map((x) => x.p.bbox[1])), Math.min(...shaped.map((x) => x.p.bbox[0]))];
        built.push({
          key,
          feature: {
            type: 'Feature',
            geometry,
            properties: {
              score: Math.round(obj.score * 1e4) / 1e4,
              area_m2: areaM2 === null ? null : Math.round(areaM2 * 100) / 100,
              tile: obj.tile,
              source,
              regularized: shaped.every((x) => x.s!.regularized),
            },
          },
        });
      }
    };
    let cands: Candidate[] = [];
    const wallBatch = new WallBatcher();
    let detections = 0;
    let validTiles = 0;
    type Read = { stored: SegmentResult | null; rgb: Rgb8 | null };
    const read = async (tile: Tile): Promise<Read> => {
      const stored = options.tileStore ? await options.tileStore.get(tile).catch(() => null) : null;
      // A stored result still needs the tile's valid pixels when the raster has nodata.
      if (stored && nodata === null) return { stored, rgb: null };
      const win: WindowData = await raster.readWindow(tile.window, { bands, signal });
      return { stored, rgb: toRgb8(win, stretch, nodata) };
    };
    const m = model;
    const segmentTile = async (tile: Tile, rgb: Rgb8 | null, stored: SegmentResult | null): Promise<void> => {
      validTiles++;
      const tw = tile.window[2] - tile.window[0];
      const th = tile.window[3] - tile.window[1];
      let imgsz: [number, number] | undefined;
      if (!m.fixedSize) imgsz = [Math.ceil(th / m.stride) * m.stride, Math.ceil(tw / m.stride) * m.stride];
      const result = stored ?? await segmentImage(m, rgb!.image, { conf: options.conf, iou: options.iou, maxDet: options.maxDet, imgsz, signal });
      if (!stored) {
        timings.model += result.timings.preprocess + result.timings.inference;
        timings.decode += result.timings.postprocess;
        await options.tileStore?.put(tile, result);
      }
      detections += result.detections.length;
      const v0 = performance.now();
      for (const d of result.detections) {
        const g = globalMask(d.mask, tile, rgb ? rgb.valid : null);
        if (g.area === 0) continue;
        cands.push({ tile: tile.index, tileWindow: tile.window, score: d.score, mask: g.mask, area: g.area, cut: touchesInnerEdge(g.mask, tile.window, area) });
      }
      timings.vectorize += performance.now() - v0;
      await options.onTile?.(tile, result);
    };
    options.onProgress?.({ done: 0, total: tiles.length });
    let next: Promise<Read> | null = tiles.length ? read(tiles[0]) : null;
    // A cancel before the loop awaits it must not leave this read's rejection unhandled (Node would
    // end the engine); the loop sees the abort itself.
    next?.catch(() => {});
    for (let k = 0; k < tiles.length; k++) {
      throwIfAborted(signal);
      const tile = tiles[k];
      // Read time = how long the loop waits for the tile's pixels (reads overlap the model run).
      const r0 = performance.now();
      const { stored, rgb } = await next!;
      timings.read += performance.now() - r0;
      // Read ahead: the next window decodes while the model runs on this one.
      next = k + 1 < tiles.length ? read(tiles[k + 1]) : null;
      next?.catch(() => {});
      if (!rgb || rgb.validCount > 0) await segmentTile(tile, rgb, stored);
      if (k + 1 === tiles.length || tiles[k + 1].row !== tile.row) {
        const v = performance.now();
        const limitY = k + 1 < tiles.length ? tiles[k + 1].window[1] : Infinity;
        const { done, pending } = mergeFinished(cands, limitY, { minSharedIoU: D.seamIoU });
        cands = pending;
        // An object touching a mask of a later row waits for it, so that their wall is shared.
        vectorizeObjects(shapeOpts.sharedWalls ? wallBatch.ready(done, pending) : done);
        if (k + 1 === tiles.length) vectorizeObjects(wallBatch.flush());
        timings.vectorize += performance.now() - v;
      }
      options.onProgress?.({ done: k + 1, total: tiles.length });
    }
    if (validTiles === 0) throw new EngineError('EMPTY', `${rasterPath}: every pixel of the area is nodata${nodata !== null ? ` (${nodata})` : ''}: nothing to extract`);
    throwIfAborted(signal);

    const v1 = performance.now();
    // Stable ids: by position of the outline (top, then left) in raster pixels.
    built.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1]);
    const features: Feature[] = built.map((b, k) => ({ ...b.feature, id: k + 1, properties: { id: k + 1, ...b.feature.properties } }));
    timings.vectorize += performance.now() - v1;
    timings.total = performance.now() - t0;
    const collection = featureCollection(features, {
      nativeCrs: geo.output === 'native' ? geo.outputCrs : null,
      extra: geo.output === 'pixel' ? { note: 'no georeferencing: coordinates are pixel columns/rows' } : geo.output === 'native' ? { note: "coordinates in the raster's native CRS (not RFC 7946 WGS84)" } : {},
    });
    return {
      collection, tiles: tiles.length, detections, buildings: features.length, timings, window: area, tileSize,
      stretch, stretchFrom, warnings, device: model.device,
    };
  } finally {
    if (ownModel && model) await model.dispose().catch(() => {});
    await raster.close();
  }
}
