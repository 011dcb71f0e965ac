/**
 * The tile pipeline: GeoTIFF → building polygons.
 *
 *   const r = await extract('area.tif', {model: 'FastSAM-x.onnx', signal, onProgress});
 *   r.collection // GeoJSON FeatureCollection (WGS84 by default)
 *
 * A chain of stages over the stream of tiles (model input size, overlap DEFAULTS.tiling.overlap):
 * read → preprocess → infer → decode (tile-stages.ts: bounded queues, the model in a worker thread, so
 * the next tiles are read and this one decoded while the model runs), then here: masks → candidates in
 * global pixels (nodata pixels removed), `onTile`, seam merge after each tile row (vectorize/merge),
 * exact tracing, georeferencing, regularization / simplification / area filter (vectorize/shape) and
 * stable ids; a row's shaping gives the event loop a turn every few milliseconds (util/yield-turn), so
 * a server running a job keeps answering. With `tileStore`, finished tiles come from the store and fresh
 * ones go into it, and so do finished rows (pipeline/row-replay.ts): a rerun with the same settings
 * replays their features.
 *
 * Streamed: `extractFeatures(path, options, {open, write})` hands each feature to `write` as soon as
 * its id is certain (position-order.ts: about one tile row of features is held), so a writer of
 * export/ keeps output memory flat; `extract()` collects them into the FeatureCollection.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../config.js';
import { EngineError, throwIfAborted } from '../errors.js';
import type { SegModel } from '../model/segmodel.js';
import type { CroppedMask, SegmentResult } from '../types.js';
import type { PixelWindow } from '../raster/open.js';
import type { Tile } from '../raster/tiling.js';
import type { Stretch } from '../raster/normalize.js';
import type { GeoRef, OutputCrs } from '../geo/georef.js';
import { mergeFinished, touchesInnerEdge } from '../vectorize/merge.js';
import type { Candidate, MergedObject } from '../vectorize/merge.js';
import { shapeMask } from '../vectorize/shape.js';
import type { ShapedPart } from '../vectorize/shape.js';
import { shapeWallGroup, wallGroups, WallBatcher } from '../vectorize/wall-grid.js';
import { TimeSlice } from '../util/yield-turn.js';
import { collectFeatures, featureCollection } from '../export/geojson.js';
import type { Feature, FeatureCollection, FeatureSink } from '../export/geojson.js';
import type { Extent } from './plan.js';
import { PositionOrder } from './position-order.js';
import { segmentTiles } from './tile-stages.js';
import { openExtraction } from './open-extraction.js';
import type { TileResultStore } from './tile-store.js';
import { RowReplay } from './row-replay.js';

export interface ExtractProgress {
  done: number;
  total: number;
}

export interface ExtractOptions {
  /** A loaded model, or a model file path / bytes (loaded here and disposed at the end). */
  model: SegModel | string | Uint8Array;
  device?: string;
  /** Intra-op threads when the model is loaded here (default: the machine's cores, config intraOpThreads). */
  threads?: number;
  /**
   * Model sessions when the model is loaded here. With 2 and threads split between them, two tiles run
   * at once: faster on many-tile rasters on few cores (bench `peer`), slower on a single tile. Default:
   * model/session-pool's autoSessions (2 from 16 tiles on with 2–4 threads, else 1).
   */
  sessions?: number;
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
  /** Finished tiles' raw results: a tile found here skips the model; a fresh one is put here before it counts as done. */
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

export interface ExtractResult extends ExtractSummary {
  collection: FeatureCollection;
}

/** Where extractFeatures sends its output: each feature in id order (1, 2, …), as soon as no later building can take a smaller id. */
export type ExtractOutput = FeatureSink;

export interface ExtractSummary {
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
  /** Model sessions that ran tiles at once, and their intra-op threads in all. */
  sessions: number;
  threads: number;
  /** The most finished features held at once waiting for their id (about one tile row's worth). */
  maxHeld: number;
}

function globalMask(m: CroppedMask, tile: Tile, valid: Uint8Array | null, knownArea: number): { mask: CroppedMask; area: number } {
  // Every pixel valid: the mask is only moved to global pixels (its bitmap is shared, never written).
  if (!valid) return { mask: { x: m.x + tile.window[0], y: m.y + tile.window[1], width: m.width, height: m.height, data: m.data, setBox: m.setBox }, area: knownArea };
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

/** A finished feature before its id: its position key and the feature (what a row record stores). */
type Built = { key: [number, number]; feature: Omit<Feature, 'id'> };

/** What vectorizeObjects needs from its extract run. */
interface VectorizeRun {
  geo: GeoRef;
  shapeOpts: { simplify: number; regularize: boolean; minArea: number; maxArea?: number; sharedWalls: boolean };
  source: string;
  timings: ExtractTimings;
  signal?: AbortSignal;
  /** Objects built so far (the abort check runs every 64). */
  built: number;
  /** When the event loop gets its next turn. */
  slice: TimeSlice;
}

/**
 * A row's finished objects → features with their position keys, appended to `out`. A module-level
 * function, not a closure made per extract call: V8 keeps a closure's optimized code only while one of
 * its closures lives, so a closure made per call was compiled again after most full collections
 * (≈ 50–60 ms of compiler time, on the other core, per one-tile call in a server or bench loop).
 */
async function vectorizeObjects(run: VectorizeRun, objs: MergedObject[], out: Built[]): Promise<void> {
  const { geo, shapeOpts, timings, signal, slice } = run;
  // Shared walls (vectorize/wall-grid): objects whose masks touch are shaped together, group by group,
  // the event loop getting a turn every few milliseconds (util/yield-turn).
  let walls: Map<number, ShapedPart[]> | null = null;
  if (shapeOpts.sharedWalls && (shapeOpts.regularize || shapeOpts.simplify > 0)) {
    await slice.pause(signal);
    let g1 = performance.now();
    const found = wallGroups(objs);
    timings.geo += performance.now() - g1;
    walls = new Map();
    for (const members of found.groups) {
      await slice.pause(signal);
      g1 = performance.now();
      shapeWallGroup(objs, found, members, geo, shapeOpts, walls);
      timings.geo += performance.now() - g1;
    }
  }
  for (const [i, obj] of objs.entries()) {
    if (run.built++ % 64 === 0) throwIfAborted(signal);
    await slice.pause(signal);
    const g0 = performance.now();
    // (Shaping the objects on the helper threads too was measured twice, the last row only the second
    // time: no gain on 2 cores — docs/benchmark-rounds.md, third and sixth rounds.)
    const shaped = walls?.get(i) ?? shapeMask(obj.mask, geo, shapeOpts);
    timings.geo += performance.now() - g0;
    if (shaped.length === 0) continue;
    const areaM2 = shaped.every((x) => x.s!.areaM2 !== null) ? shaped.reduce((a, x) => a + x.s!.areaM2!, 0) : null;
    const geometry: Feature['geometry'] = shaped.length === 1
      ? { type: 'Polygon', coordinates: shaped[0].s!.coordinates }
      : { type: 'MultiPolygon', coordinates: shaped.map((x) => x.s!.coordinates) };
    const key: [number, number] = [Math.min(...shaped.map((x) => x.p.bbox[1])), Math.min(...shaped.map((x) => x.p.bbox[0]))];
    out.push({ key, feature: {
      type: 'Feature',
      geometry,
      properties: {
        score: Math.round(obj.score * 1e4) / 1e4,
        area_m2: areaM2 === null ? null : Math.round(areaM2 * 100) / 100,
        tile: obj.tile,
        source: run.source,
        regularized: shaped.every((x) => x.s!.regularized),
      },
    } });
  }
}

/** The whole FeatureCollection in memory (server jobs, the notebook API, tests); the CLI streams with extractFeatures. */
export function extract(rasterPath: string, options: ExtractOptions): Promise<ExtractResult> {
  return collectFeatures((sink) => extractFeatures(rasterPath, options, sink));
}

export async function extractFeatures(rasterPath: string, options: ExtractOptions, output: ExtractOutput): Promise<ExtractSummary> {
  const t0 = performance.now();
  const { signal } = options;
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  if (!options || !options.model) throw new EngineError('BAD_INPUT', 'model: got nothing, expected a model file or a loaded model');
  const D = DEFAULTS.extract;
  const job = await openExtraction(rasterPath, options, warn);
  const { raster, geo, area, tiles, tileSize, stretch, stretchFrom, model } = job;
  try {
    const timings: ExtractTimings = { read: 0, model: 0, decode: 0, vectorize: 0, geo: 0, total: 0 };
    const shapeOpts = {
      simplify: options.simplify ?? D.simplify,
      regularize: options.regularize ?? D.regularize,
      minArea: options.minArea ?? D.minArea,
      maxArea: options.maxArea ?? (D.maxArea || undefined),
      sharedWalls: options.sharedWalls ?? D.sharedWalls,
    };
    const source = path.basename(rasterPath);
    // Stable ids: by position of the outline (top, then left) in raster pixels, given as soon as no
    // object still to come can lie above (the watermark after each row).
    let order = new PositionOrder<Omit<Feature, 'id'>>();
    let heldBefore = 0;
    // Objects are vectorized as soon as no later tile can touch them (after each tile row), so only
    // about one row of masks is held however large the raster: memory does not grow with its size.
    const vrun: VectorizeRun = { geo, shapeOpts, source, timings, signal, built: 0, slice: new TimeSlice() };
    let written = 0;
    // Ids already written by a fully cached replay that broke off (a row record no longer checked
    // out): the recomputation gives the same features in the same order and writes from skip + 1.
    let skip = 0;
    const release = async (watermark: number): Promise<void> => {
      for (const f of order.release(watermark)) {
        throwIfAborted(signal);
        const id = ++written;
        if (id <= skip) continue;
        await output.write({ ...f, id, properties: { id, ...f.properties } });
      }
    };
    // A row's features enter the position order where vectorizeObjects produced them (same keys, same
    // arrival order), computed or replayed, and leave it at the same watermark.
    const addRow = (items: readonly Built[]): void => {
      for (const b of items) order.add(b.key, b.feature);
    };
    await output.open?.(featureCollection([], {
      nativeCrs: geo.output === 'native' ? geo.outputCrs : null,
      extra: geo.output === 'pixel' ? { note: 'no georeferencing: coordinates are pixel columns/rows' } : geo.output === 'native' ? { note: "coordinates in the raster's native CRS (not RFC 7946 WGS84)" } : {},
    }));
    // The top of every tile from k on (tiles come row by row; the minimum guards any order).
    const topFrom = new Array<number>(tiles.length + 1).fill(Infinity);
    for (let j = tiles.length - 1; j >= 0; j--) topFrom[j] = Math.min(tiles[j].window[1], topFrom[j + 1]);
    // Where the tiles after a row (ending before tile j) start: the seam merge's limit and the
    // watermark's bound. A row's output depends on it, so it is part of the row's key.
    const edgeAfter = (j: number): string => `${j < tiles.length ? tiles[j].window[1] : Infinity}:${topFrom[j]}`;
    // Objects the WallBatcher holds back (they wait for a touching mask of a later row).
    let heldWalls: MergedObject[] = [];
    let cands: Candidate[] = [];
    const wallBatch = new WallBatcher();
    let detections = 0;
    let validTiles = 0;
    const { ctx } = job;
    const { nodata } = ctx;
    const stageTimes = { read: 0, model: 0, decode: 0 };
    // Everything that changes a row's features besides its tiles' records and edge (those are chained in).
    const replay = RowReplay.open<Built>(options.tileStore, {
      shapeOpts, seamIoU: D.seamIoU, area, source, nodata, crs: options.crs ?? null, srs: options.srs ?? null, resolution: options.resolution ?? null,
      output: geo.output, affine: geo.affine, outputCrs: geo.outputCrs, workToMeters: geo.workToMeters, workPixelSize: geo.workPixelSize,
    });
    options.onProgress?.({ done: 0, total: tiles.length });
    // A fully cached rerun (every tile and row stored; no per-tile callback, no nodata mask to read):
    // the rows are replayed one by one, each released at its stored watermark, as a computed run would.
    const plan = replay && !options.onTile && nodata === null ? await replay.planAll(tiles, edgeAfter, signal) : null;
    let replayed = false;
    if (plan) {
      replayed = true;
      for (const { key, end } of plan) {
        throwIfAborted(signal);
        const v = performance.now();
        const row = await replay!.readRow(key);
        if (!row) {
          // Checked a moment ago, refused now: compute everything; the ids already written are skipped.
          replayed = false;
          skip = written;
          written = 0;
          heldBefore = order.maxHeld;
          order = new PositionOrder<Omit<Feature, 'id'>>();
          detections = 0;
          validTiles = 0;
          break;
        }
        addRow(row.items);
        detections += row.counts.detections;
        validTiles += row.counts.validTiles;
        timings.vectorize += performance.now() - v;
        await release(row.release);
        options.onProgress?.({ done: end, total: tiles.length });
      }
    }
    const { stream, drain } = segmentTiles(ctx, replayed ? [] : tiles, { tileStore: options.tileStore, timings: stageTimes });
    let k = 0;
    for await (const { tile, result, valid } of stream) {
      throwIfAborted(signal);
      replay?.addTile(tile, result);
      if (result) {
        validTiles++;
        detections += result.detections.length;
        const v0 = performance.now();
        for (const d of result.detections) {
          const g = globalMask(d.mask, tile, valid, d.area);
          if (g.area === 0) continue;
          cands.push({ tile: tile.index, tileWindow: tile.window, score: d.score, mask: g.mask, area: g.area, cut: touchesInnerEdge(g.mask, tile.window, area) });
        }
        timings.vectorize += performance.now() - v0;
        await options.onTile?.(tile, result);
      }
      if (k + 1 === tiles.length || tiles[k + 1].row !== tile.row) {
        const v = performance.now();
        const limitY = k + 1 < tiles.length ? tiles[k + 1].window[1] : Infinity;
        const { done, pending } = mergeFinished(cands, limitY, { minSharedIoU: D.seamIoU });
        cands = pending;
        await vrun.slice.pause(signal);
        // An object touching a mask of a later row waits for it, so that their wall is shared.
        let ready = done;
        if (shapeOpts.sharedWalls) {
          const all = [...heldWalls, ...done];
          ready = wallBatch.ready(done, pending);
          const going = new Set(ready);
          heldWalls = all.filter((o) => !going.has(o));
        }
        const last = k + 1 === tiles.length ? wallBatch.flush<MergedObject>() : [];
        if (k + 1 === tiles.length) heldWalls = [];
        // Every object still to come is built from the later tiles, the pending candidates or the held
        // objects, and its traced outline lies inside its masks: none can start above this row.
        let watermark = topFrom[k + 1];
        for (const c of cands) watermark = Math.min(watermark, c.mask.y);
        for (const o of heldWalls) watermark = Math.min(watermark, o.mask.y);
        const rowKey = replay?.endRow(edgeAfter(k + 1)) ?? null;
        const stored = rowKey ? await replay!.readRow(rowKey) : null;
        if (stored) addRow(stored.items);
        else {
          const items: Built[] = [];
          await vectorizeObjects(vrun, ready, items);
          await vectorizeObjects(vrun, last, items);
          addRow(items);
          if (rowKey) await replay!.put(rowKey, items, watermark);
        }
        timings.vectorize += performance.now() - v;
        await release(watermark);
      }
      k++;
      options.onProgress?.({ done: k, total: tiles.length });
    }
    await drain();
    timings.read = stageTimes.read;
    timings.model = stageTimes.model;
    timings.decode = stageTimes.decode;
    if (validTiles === 0) throw new EngineError('EMPTY', `${rasterPath}: every pixel of the area is nodata${nodata !== null ? ` (${nodata})` : ''}: nothing to extract`);
    throwIfAborted(signal);

    await release(Infinity);
    timings.total = performance.now() - t0;
    return {
      tiles: tiles.length, detections, buildings: written, timings, window: area, tileSize,
      stretch, stretchFrom, warnings, device: model.device, sessions: model.session.sessions ?? 1, threads: model.session.intraOpThreads, maxHeld: Math.max(heldBefore, order.maxHeld),
    };
  } finally {
    await job.close();
  }
}
