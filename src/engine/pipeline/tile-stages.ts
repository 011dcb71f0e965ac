/**
 * The per-tile stages of the pipeline, each callable on its own (a queue worker runs one tile through
 * read → preprocess → infer → decode and puts the result in a TileResultStore), and `segmentTiles`, the
 * chain of them over a stream of tiles with bounded queues between the stages:
 *
 *   lookup (store.get) + read  ─ahead 2→  preprocess + infer (worker threads)  ─ahead S→  decode (+ store.put)
 *
 * While tile k is decoded on this thread, tiles k+1 … k+S run in the model's S sessions (worker threads,
 * model/session-pool) and the next two are read (DEFLATE inflates in libuv's pool): memory holds about
 * S + 3 tiles whatever the raster size.
 */
import { performance } from 'node:perf_hooks';
import { throwIfAborted } from '../errors.js';
import { decodeOutputs, prepareInput, runModel } from '../model/segmodel.js';
import type { RawOutputs, SegModel } from '../model/segmodel.js';
import type { Raster } from '../raster/open.js';
import type { Tile } from '../raster/tiling.js';
import { toRgb8 } from '../raster/normalize.js';
import type { Rgb8, Stretch } from '../raster/normalize.js';
import type { SegmentResult } from '../types.js';
import { mapOrdered } from './stream.js';
import type { TileResultStore } from './tile-store.js';

/** What every tile stage needs: the open raster, the band/stretch choice, the model and thresholds. */
export interface TileContext {
  raster: Raster;
  /** 0-based bands. */
  bands: number[];
  stretch: Stretch;
  nodata: number | null;
  model: SegModel;
  conf?: number;
  iou?: number;
  maxDet?: number;
  signal?: AbortSignal;
}

/** Stage time sums (ms) of one stream of tiles. */
export interface TileStageTimings {
  read: number;
  /** Letterbox + model run (the run's wall time as this thread sees it). */
  model: number;
  decode: number;
}

/** A tile through the model stages: its result (null: every pixel nodata) and its valid-pixel mask. */
export interface SegmentedTile {
  tile: Tile;
  result: SegmentResult | null;
  /** 1 = valid pixel, tile-local; null: all valid. */
  valid: Uint8Array | null;
  /** True when the result came from the store (the model did not run). */
  stored: boolean;
}

/** Stage "read": the tile's window, stretched to 8-bit RGB with the raster's stretch. */
export async function readTile(ctx: TileContext, tile: Tile): Promise<Rgb8> {
  const win = await ctx.raster.readWindow(tile.window, { bands: ctx.bands, signal: ctx.signal, rgb8: true });
  return toRgb8(win, ctx.stretch, ctx.nodata);
}

function imgszFor(model: SegModel, tile: Tile): [number, number] | undefined {
  if (model.fixedSize) return undefined;
  const tw = tile.window[2] - tile.window[0];
  const th = tile.window[3] - tile.window[1];
  return [Math.ceil(th / model.stride) * model.stride, Math.ceil(tw / model.stride) * model.stride];
}

/** Stages "preprocess" + "infer": letterbox here, run the model (in its worker thread when it has one). */
export async function inferTile(ctx: TileContext, tile: Tile, rgb: Rgb8): Promise<RawOutputs> {
  const input = prepareInput(ctx.model, rgb.image, { conf: ctx.conf, iou: ctx.iou, maxDet: ctx.maxDet, imgsz: imgszFor(ctx.model, tile), signal: ctx.signal });
  return runModel(ctx.model, input, ctx.signal);
}

/** Stage "decode": NMS and masks (tile-local pixels). */
export function decodeTile(ctx: TileContext, raw: RawOutputs): Promise<SegmentResult> {
  return decodeOutputs(ctx.model, raw, ctx.signal);
}

/** One tile through read → preprocess → infer → decode (what a queue worker runs per tile). */
export async function segmentTile(ctx: TileContext, tile: Tile): Promise<SegmentedTile> {
  const rgb = await readTile(ctx, tile);
  if (rgb.validCount === 0) return { tile, result: null, valid: rgb.valid, stored: false };
  const result = await decodeTile(ctx, await inferTile(ctx, tile, rgb));
  return { tile, result, valid: rgb.valid, stored: false };
}

export interface SegmentTilesOptions {
  /** Finished tiles are taken from here (the model is skipped) and fresh ones put into it. */
  tileStore?: TileResultStore;
  /** Receives the stage time sums as they accumulate. */
  timings?: TileStageTimings;
  /** Tiles read ahead of the model (default 2). */
  readAhead?: number;
}

/**
 * The model stages over a stream of tiles, in tile order. A fresh tile is put into the store before it
 * is yielded, so every tile a consumer has seen is persisted; `drain` is kept for callers (no-op now).
 */
export function segmentTiles(ctx: TileContext, tiles: Iterable<Tile> | AsyncIterable<Tile>, options: SegmentTilesOptions = {}): { stream: AsyncGenerator<SegmentedTile>; drain: () => Promise<void> } {
  const { tileStore } = options;
  const timings = options.timings ?? { read: 0, model: 0, decode: 0 };
  const { signal } = ctx;
  type Read = { tile: Tile; stored: SegmentResult | null; rgb: Rgb8 | null };
  type Inferred = Read & { raw: RawOutputs | null };

  const read = mapOrdered(tiles, async (tile): Promise<Read> => {
    const stored = tileStore ? await tileStore.get(tile).catch(() => null) : null;
    // A stored result still needs the tile's valid pixels when the raster has nodata.
    if (stored && ctx.nodata === null) return { tile, stored, rgb: null };
    const r0 = performance.now();
    const rgb = await readTile(ctx, tile);
    timings.read += performance.now() - r0;
    return { tile, stored, rgb };
  }, { ahead: options.readAhead ?? 2, signal });

  // As many runs in flight as the model has sessions while this thread decodes a tile: with one, a
  // second session would idle while each tile is decoded and vectorized here.
  const inferred = mapOrdered(read, async (t): Promise<Inferred> => {
    if (t.stored || !t.rgb || t.rgb.validCount === 0) return { ...t, raw: null };
    const m0 = performance.now();
    const raw = await inferTile(ctx, t.tile, t.rgb);
    timings.model += performance.now() - m0;
    return { ...t, raw };
  }, { ahead: Math.max(1, ctx.model.session.sessions ?? 1), signal });

  async function* decoded(): AsyncGenerator<SegmentedTile> {
    for await (const t of inferred) {
      throwIfAborted(signal);
      const valid = t.rgb ? t.rgb.valid : null;
      if (t.stored) {
        yield { tile: t.tile, result: t.rgb && t.rgb.validCount === 0 ? null : t.stored, valid, stored: true };
        continue;
      }
      if (!t.raw) {
        yield { tile: t.tile, result: null, valid, stored: false };
        continue;
      }
      const d0 = performance.now();
      const result = await decodeTile(ctx, t.raw);
      timings.decode += performance.now() - d0;
      // Persisted before the tile counts as done (progress, resume after a kill): the write is small,
      // and it overlaps the next tile's inference, which runs ahead in the worker thread.
      if (tileStore) await tileStore.put(t.tile, result).catch(() => {});
      yield { tile: t.tile, result, valid, stored: false };
    }
  }
  return {
    stream: decoded(),
    drain: async () => {},
  };
}
