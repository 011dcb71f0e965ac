/**
 * `vectorize`: a mask or label raster (nonzero = object, nodata ignored) → polygons through the same
 * trace + georeference + shape code as `extract`. Each value is its own object, as gdal_polygonize
 * does (4-connected pixels of one value are one polygon; touching values share their pixel edges).
 * Defaults are exact (pixel edges, 4-connected, no simplification, no regularization, no area filter),
 * so the output can be checked against GDAL. With --simplify / --regularize, touching objects keep
 * their shared walls (vectorize/shared-walls) unless `sharedWalls: false`.
 */
import path from 'node:path';
import { EngineError, throwIfAborted } from '../errors.js';
import { openRaster } from '../raster/open.js';
import { makeGeoRef } from '../geo/georef.js';
import type { OutputCrs } from '../geo/georef.js';
import { labelComponents } from '../vectorize/trace.js';
import { shapeLabelGrid } from '../vectorize/shared-walls.js';
import { closeWallGaps } from '../vectorize/wall-grid.js';
import { collectFeatures, featureCollection } from '../export/geojson.js';
import type { Feature, FeatureCollection, FeatureSink } from '../export/geojson.js';

export interface VectorizeRasterOptions {
  /** 1-based band. Default 1. */
  band?: number;
  /** Overrides the GDAL_NODATA tag. */
  nodata?: number;
  crs?: OutputCrs;
  srs?: string;
  simplify?: number;
  regularize?: boolean;
  minArea?: number;
  maxArea?: number;
  /**
   * With simplify / regularize: objects that touch (or are one pixel apart) keep one exact common wall.
   * Default true.
   */
  sharedWalls?: boolean;
  signal?: AbortSignal;
}

export interface VectorizeRasterResult extends VectorizeRasterSummary {
  collection: FeatureCollection;
}

export interface VectorizeRasterSummary {
  warnings: string[];
  timings: { read: number; vectorize: number };
  polygons: number;
}

/** Where vectorizeRasterFeatures sends its polygons (as extract's ExtractOutput). */
export type VectorizeOutput = FeatureSink;

/** Largest raster the vectorize command reads in one piece (pixels). */
export const MAX_VECTORIZE_PIXELS = 400_000_000;

/** The whole FeatureCollection in memory; the CLI streams with vectorizeRasterFeatures. */
export function vectorizeRaster(rasterPath: string, options: VectorizeRasterOptions = {}): Promise<VectorizeRasterResult> {
  return collectFeatures((sink) => vectorizeRasterFeatures(rasterPath, options, sink));
}

export async function vectorizeRasterFeatures(rasterPath: string, options: VectorizeRasterOptions, output: VectorizeOutput): Promise<VectorizeRasterSummary> {
  const band = options.band ?? 1;
  const raster = await openRaster(rasterPath, { signal: options.signal });
  try {
    if (!Number.isInteger(band) || band < 1 || band > raster.bands) {
      throw new EngineError('BAD_INPUT', `band: got ${band}, expected 1..${raster.bands}`);
    }
    if (raster.width * raster.height > MAX_VECTORIZE_PIXELS) {
      throw new EngineError('TOO_LARGE', `${rasterPath} has ${raster.width}×${raster.height} pixels; vectorize reads at most ${MAX_VECTORIZE_PIXELS}`);
    }
    const geo = makeGeoRef({ ...raster, source: rasterPath }, { crs: options.crs, srs: options.srs });
    const t0 = performance.now();
    const win = await raster.readWindow([0, 0, raster.width, raster.height], { bands: [band - 1], signal: options.signal });
    const t1 = performance.now();
    const values = win.data[0];
    const nodata = options.nodata ?? raster.nodata;
    // Object values: nodata (and NaN) become background (0); every other value is its own object.
    const objects = values.slice();
    let valid = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const isNodata = Number.isNaN(v) || (nodata !== null && v === nodata);
      if (!isNodata) valid++;
      else objects[i] = 0;
    }
    if (valid === 0 && nodata !== null && nodata !== 0) {
      throw new EngineError('EMPTY', `${rasterPath}: every pixel is nodata (${nodata})`);
    }
    throwIfAborted(options.signal);
    const { labels, count } = labelComponents(objects, raster.width, raster.height);
    const valueOf = new Float64Array(count + 1);
    for (let i = 0; i < labels.length; i++) if (labels[i]) valueOf[labels[i]] = objects[i];
    const sharedWalls = options.sharedWalls ?? true;
    // One-pixel gaps and small pockets between objects become walls.
    if (sharedWalls && (options.regularize || (options.simplify ?? 0) > 0)) closeWallGaps(labels, raster.width, raster.height);
    const { traced, shaped } = shapeLabelGrid(labels, count, raster.width, raster.height, geo, { ...options, sharedWalls });
    const t2 = performance.now();
    await output.open?.(featureCollection([], {
      nativeCrs: geo.output === 'native' ? geo.outputCrs : null,
      extra: geo.output === 'pixel' ? { note: 'no georeferencing: coordinates are pixel columns/rows' } : geo.output === 'native' ? { note: 'coordinates in the raster\'s native CRS (not RFC 7946 WGS84)' } : {},
    }));
    let n = 0;
    const source = path.basename(rasterPath);
    for (let k = 0; k < traced.length; k++) {
      const poly = traced[k];
      const s = shaped[k];
      if (!s) continue;
      const id = ++n;
      if ((n & 1023) === 0) throwIfAborted(options.signal);
      await output.write({
        type: 'Feature',
        id,
        geometry: { type: 'Polygon', coordinates: s.coordinates },
        properties: {
          id, value: valueOf[k + 1], area_m2: s.areaM2 === null ? null : round(s.areaM2, 3), pixels: poly.pixels, source,
          ...(options.regularize ? { regularized: s.regularized } : {}),
        },
      });
    }
    return { warnings: geo.warnings, timings: { read: t1 - t0, vectorize: t2 - t1 }, polygons: n };
  } finally {
    await raster.close();
  }
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}
