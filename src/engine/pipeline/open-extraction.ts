/**
 * Everything an extraction fixes before the first tile: the raster (resampled when asked), the
 * georeferencing, the band choice, nodata, the pixel area and the tile grid, the model (loaded here when
 * given as a file) and the one stretch of the raster. `extract` runs the stages on it; a queue worker
 * opens the same extraction and runs `segmentTile(job.ctx, tile)` on the tiles it is handed, so its
 * results are exactly the ones `extract` would compute.
 */
import { DEFAULTS } from '../config.js';
import { EngineError } from '../errors.js';
import { makeGeoRef } from '../geo/georef.js';
import type { GeoRef } from '../geo/georef.js';
import { inputSizeFor, loadSegModel } from '../model/segmodel.js';
import type { SegModel } from '../model/segmodel.js';
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

export async function openExtraction(rasterPath: string, options: ExtractOptions, warn: (m: string) => void = () => {}): Promise<Extraction> {
  if (!options || !options.model) throw new EngineError('BAD_INPUT', 'model: got nothing, expected a model file or a loaded model');
  const { signal } = options;
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
  const close = async (): Promise<void> => {
    if (ownModel && model) await model.dispose().catch(() => {});
    await raster.close();
  };
  try {
    const geo = makeGeoRef({ ...raster, source: rasterPath }, { crs: options.crs, srs: options.srs });
    geo.warnings.forEach(warn);
    const bands = chooseBands(raster, options.bands);
    const nodata = options.nodata ?? raster.nodata;
    let area: PixelWindow = [0, 0, raster.width, raster.height];
    if (options.window) area = checkWindow(raster, options.window);
    else if (options.extent) area = windowForExtent(raster, options.extent, options.srs);

    model = ownModel ? await loadSegModel(options.model as string | Uint8Array, { device: options.device, intraOpThreads: options.threads }) : (options.model as SegModel);
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
    const ctx: TileContext = { raster, bands, stretch, nodata, model, conf: options.conf, iou: options.iou, maxDet: options.maxDet, signal };
    return { raster, geo, area, tiles, tileSize, stretch, stretchFrom, model, ctx, close };
  } catch (err) {
    await close();
    throw err;
  }
}
