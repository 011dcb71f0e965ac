/**
 * Everything an extraction fixes before the first tile: the raster (resampled when asked), the
 * georeferencing, the band choice, nodata, the pixel area and the tile grid, the model (loaded here when
 * given as a file) and the one stretch of the raster. `extract` runs the stages on it; a queue worker
 * opens the same extraction and runs `segmentTile(job.ctx, tile)` on the tiles it is handed, so its
 * results are exactly the ones `extract` would compute.
 */
import { DEFAULTS, intraOpThreads } from '../config.js';
import { EngineError } from '../errors.js';
import { makeGeoRef } from '../geo/georef.js';
import type { GeoRef } from '../geo/georef.js';
import { inputSizeFor, loadSegModel } from '../model/segmodel.js';
import type { SegModel } from '../model/segmodel.js';
import { parseUltralyticsImgsz, readOnnxMetadata, readOnnxMetadataFromFile } from '../model/onnx-metadata.js';
import { autoSessions } from '../model/session-pool.js';
import { computeStretch, identityStretch } from '../raster/normalize.js';
import type { Stretch } from '../raster/normalize.js';
import { openRaster } from '../raster/open.js';
import type { PixelWindow, Raster } from '../raster/open.js';
import { factorForResolution, resampleRaster } from '../raster/resample.js';
import type { Tile } from '../raster/tiling.js';
import type { ExtractOptions } from './extract.js';
import { checkWindow, chooseBands, planTiles, windowForExtent } from './plan.js';
import type { TileContext } from './tile-stages.js';

export interface Extraction {
  raster: Raster;
  geo: GeoRef;
  area: PixelWindow;
  tiles: Tile[];
  /** [width, height]. */
  tileSize: [number, number];
  stretch: Stretch;
  stretchFrom: string;
  model: SegModel;
  /** What the tile stages (tile-stages.ts) need. */
  ctx: TileContext;
  /** Closes the raster and disposes the model when it was loaded here. */
  close(): Promise<void>;
}

/** The raster as the run sees it: resampled to `resolution` (metres per pixel) when one is asked. */
export async function openResampled(rasterPath: string, options: Pick<ExtractOptions, 'resolution' | 'srs'>, signal?: AbortSignal): Promise<Raster> {
  const raster = await openRaster(rasterPath, { signal });
  if (options.resolution === undefined) return raster;
  try {
    const g = makeGeoRef({ ...raster, source: rasterPath }, { srs: options.srs });
    const pixelMeters = g.workToMeters ? g.workPixelSize * g.workToMeters : null;
    return resampleRaster(raster, factorForResolution(options.resolution, pixelMeters, rasterPath));
  } catch (err) {
    await raster.close();
    throw err;
  }
}

/** The 0-based bands and the pixel area of the run (checked against the raster). */
export function planArea(raster: Raster, options: Pick<ExtractOptions, 'bands' | 'window' | 'extent' | 'srs'>): { bands: number[]; area: PixelWindow } {
  const bands = chooseBands(raster, options.bands);
  let area: PixelWindow = [0, 0, raster.width, raster.height];
  if (options.window) area = checkWindow(raster, options.window);
  else if (options.extent) area = windowForExtent(raster, options.extent, options.srs);
  return { bands, area };
}

/** Tile [width, height] for this model: its fixed input size, or `tileSize` (default: its default size). */
export function tileSizeOf(model: SegModel, tileSize?: number): [number, number] {
  if (model.fixedSize) {
    if (tileSize && tileSize !== model.fixedSize[0]) {
      throw new EngineError('BAD_INPUT', `tileSize: got ${tileSize}, expected ${model.fixedSize[0]}: ${model.name} has a fixed input size`);
    }
    return [model.fixedSize[1], model.fixedSize[0]];
  }
  const s = tileSize ?? model.defaultSize[0];
  inputSizeFor(model, s);
  return [s, s];
}

/**
 * Threads and sessions for a model loaded here: the caller's, else autoSessions' choice for the tiles
 * this raster will have (the tile size from tileSize, else the model file's imgsz metadata, read
 * without loading it, else the default). A wrong guess costs speed only, never results.
 */
function sessionLayout(options: ExtractOptions, area: PixelWindow, overlap: number): { intraOpThreads?: number; sessions?: number } {
  if (options.sessions !== undefined || (options.device ?? DEFAULTS.device) !== 'cpu') return { intraOpThreads: options.threads, sessions: options.sessions };
  const meta = typeof options.model === 'string' ? readOnnxMetadataFromFile(options.model) : (() => {
    try {
      return readOnnxMetadata(options.model as Uint8Array);
    } catch {
      return null;
    }
  })();
  const side = options.tileSize ?? parseUltralyticsImgsz(meta?.imgsz)?.[0] ?? DEFAULTS.segment.imgsz;
  const threads = intraOpThreads(options.threads);
  let tiles = 0;
  try {
    tiles = planTiles(area, [side, side], overlap).length;
  } catch {
    tiles = 0; // a size the model will refuse: loading reports it
  }
  const sessions = autoSessions(tiles, threads);
  return sessions > 1 ? { intraOpThreads: Math.floor(threads / sessions), sessions } : { intraOpThreads: options.threads };
}

export async function openExtraction(rasterPath: string, options: ExtractOptions, warn: (m: string) => void = () => {}): Promise<Extraction> {
  if (!options || !options.model) throw new EngineError('BAD_INPUT', 'model: got nothing, expected a model file or a loaded model');
  const { signal } = options;
  const D = DEFAULTS.extract;
  const overlap = options.overlap ?? DEFAULTS.tiling.overlap;
  const raster = await openResampled(rasterPath, options, signal);
  let model: SegModel | null = null;
  const ownModel = typeof options.model === 'string' || options.model instanceof Uint8Array;
  const close = async (): Promise<void> => {
    if (ownModel && model) await model.dispose().catch(() => {});
    await raster.close();
  };
  try {
    const geo = makeGeoRef({ ...raster, source: rasterPath }, { crs: options.crs, srs: options.srs });
    geo.warnings.forEach(warn);
    const { bands, area } = planArea(raster, options);
    const nodata = options.nodata ?? raster.nodata;

    model = ownModel ? await loadSegModel(options.model as string | Uint8Array, { device: options.device, ...sessionLayout(options, area, overlap) }) : (options.model as SegModel);
    const tileSize = tileSizeOf(model, options.tileSize);
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
    const ctx: TileContext = { raster, bands, stretch, nodata, model, conf: options.conf, iou: options.iou, maxDet: options.maxDet, signal };
    return { raster, geo, area, tiles, tileSize, stretch, stretchFrom, model, ctx, close };
  } catch (err) {
    await close();
    throw err;
  }
}
