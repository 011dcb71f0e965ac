/**
 * GET /api/raster: a raster's metadata for the map — size, bands, dtype, CRS, bounds (native and
 * WGS84), resolution, nodata, overviews, and the display stretch (the same per-raster stretch the
 * pipeline feeds the model: uint8 as is, else the 2–98 % percentiles of the display bands).
 */
import { DEFAULTS } from '../config.js';
import { windowBounds, pixelSize } from '../geo/affine.js';
import { crsFromGeoKeys, transformer, WGS84 } from '../geo/crs.js';
import { checkAffine } from '../geo/georef.js';
import { chooseBands } from '../pipeline/plan.js';
import { computeStretch, identityStretch } from '../raster/normalize.js';
import { openRaster, type OpenRasterOptions, type Raster } from '../raster/open.js';
import type { RasterInfo } from './backend.js';

type Bounds = [number, number, number, number];

/** WGS84 bounds of a native bbox: its edges sampled (21 points each) and transformed. */
function wgs84Bounds(raster: Raster, b: Bounds): Bounds | null {
  const crs = crsFromGeoKeys(raster.geoKeys);
  if (!crs) return null;
  const t = transformer(crs, WGS84);
  const lons: number[] = [];
  const lats: number[] = [];
  const N = 20;
  for (let i = 0; i <= N; i++) {
    const fx = b[0] + ((b[2] - b[0]) * i) / N;
    const fy = b[1] + ((b[3] - b[1]) * i) / N;
    for (const [x, y] of [[fx, b[1]], [fx, b[3]], [b[0], fy], [b[2], fy]]) {
      const [lon, lat] = t.forward(x, y);
      if (Number.isFinite(lon) && Number.isFinite(lat)) {
        lons.push(lon);
        lats.push(lat);
      }
    }
  }
  if (lons.length === 0) return null;
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}

export async function describeRaster(abs: string, rel: string, signal?: AbortSignal, open: Omit<OpenRasterOptions, 'signal'> = {}): Promise<RasterInfo> {
  const raster = await openRaster(abs, { ...open, signal });
  try {
    if (raster.affine) checkAffine(raster.affine, raster.width, raster.height, rel);
    const crs = crsFromGeoKeys(raster.geoKeys);
    const bounds: Bounds = raster.affine
      ? (windowBounds(raster.affine, [0, 0, raster.width, raster.height]) as Bounds)
      : [0, 0, raster.width, raster.height];
    const bands = chooseBands(raster);
    let stretch: Array<[number, number]>;
    if (raster.dtype === 'uint8') {
      stretch = identityStretch(bands.length);
    } else {
      const s = await computeStretch(raster, { bands, percentiles: DEFAULTS.extract.percentiles, nodata: raster.nodata, signal });
      stretch = s.stretch;
    }
    return {
      path: rel,
      width: raster.width,
      height: raster.height,
      bands: raster.bands,
      dtype: raster.dtype,
      crs: crs?.code ?? null,
      bounds,
      bounds_wgs84: raster.affine ? wgs84Bounds(raster, bounds) : null,
      resolution: raster.affine ? pixelSize(raster.affine) : [1, 1],
      nodata: raster.nodata,
      overviews: raster.overviews.map((o) => ({ width: o.width, height: o.height })),
      stretch,
    };
  } finally {
    await raster.close();
  }
}
