/**
 * What an extraction will do before it runs: the pixel window (whole raster, a pixel window, or an
 * extent in any CRS), the tile grid, the band choice and the stretch. Shared by `extract`, the server's
 * job planning (countTiles) and its raster description.
 */
import { EngineError } from '../errors.js';
import { applyAffine, invertAffine } from '../geo/affine.js';
import { crsFromGeoKeys, parseCrs, transformer, WGS84 } from '../geo/crs.js';
import type { PixelWindow, Raster } from '../raster/open.js';
import { tileGrid } from '../raster/tiling.js';
import type { Tile } from '../raster/tiling.js';

export interface Extent {
  /** [minx, miny, maxx, maxy] in `crs`. */
  bbox: [number, number, number, number];
  /** "EPSG:4326" (default) or any CRS parseCrs accepts. */
  crs?: string;
}

/** 1-based bands → 0-based; default: 1 band → [0], 2 bands → [0], ≥ 3 → [0, 1, 2]. */
export function chooseBands(raster: { bands: number }, bands?: number[]): number[] {
  if (bands) {
    if (bands.length !== 1 && bands.length !== 3) throw new EngineError('BAD_INPUT', `bands: got ${bands.join(',')}, expected 1 band or 3 bands`);
    for (const b of bands) {
      if (!Number.isInteger(b) || b < 1 || b > raster.bands) throw new EngineError('BAD_INPUT', `band: got ${b}, expected 1..${raster.bands}`);
    }
    return bands.map((b) => b - 1);
  }
  return raster.bands >= 3 ? [0, 1, 2] : [0];
}

/** The pixel window covered by an extent (clamped to the raster); OUT_OF_BOUNDS when it misses it. */
export function windowForExtent(raster: Raster, extent: Extent, srs?: string): PixelWindow {
  const b = extent.bbox;
  if (!Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite) || b[2] <= b[0] || b[3] <= b[1]) {
    throw new EngineError('BAD_INPUT', `extent.bbox: got ${JSON.stringify(b)}, expected [minx, miny, maxx, maxy] with max > min`);
  }
  if (!raster.affine) throw new EngineError('BAD_INPUT', `${raster.source} has no georeferencing: give a pixel window instead of an extent`);
  const native = crsFromGeoKeys(raster.geoKeys, srs);
  const from = extent.crs ? parseCrs(extent.crs) : WGS84;
  if (!native) throw new EngineError('BAD_CRS', `${raster.source} has no CRS: cannot place an extent in ${extent.crs ?? 'EPSG:4326'} (pass --srs)`);
  const t = transformer(from, native);
  const inv = invertAffine(raster.affine);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i <= 4; i++) {
    for (const [x, y] of [[b[0] + ((b[2] - b[0]) * i) / 4, b[1]], [b[0] + ((b[2] - b[0]) * i) / 4, b[3]], [b[0], b[1] + ((b[3] - b[1]) * i) / 4], [b[2], b[1] + ((b[3] - b[1]) * i) / 4]]) {
      const [nx, ny] = t.forward(x, y);
      const [c, r] = applyAffine(inv, nx, ny);
      xs.push(c);
      ys.push(r);
    }
  }
  const w: PixelWindow = [
    Math.max(0, Math.floor(Math.min(...xs))), Math.max(0, Math.floor(Math.min(...ys))),
    Math.min(raster.width, Math.ceil(Math.max(...xs))), Math.min(raster.height, Math.ceil(Math.max(...ys))),
  ];
  if (!(w[2] > w[0] && w[3] > w[1]) || xs.some((v) => !Number.isFinite(v))) {
    throw new EngineError('OUT_OF_BOUNDS', `extent [${b.join(', ')}] (${extent.crs ?? 'EPSG:4326'}) is outside ${raster.source}`);
  }
  return w;
}

/** Validates a pixel window against the raster. */
export function checkWindow(raster: { width: number; height: number; source: string }, w: PixelWindow): PixelWindow {
  if (!Array.isArray(w) || w.length !== 4 || !w.every(Number.isInteger) || w[2] <= w[0] || w[3] <= w[1]) {
    throw new EngineError('BAD_INPUT', `window: got ${JSON.stringify(w)}, expected integers [x0, y0, x1, y1] with x1 > x0, y1 > y0`);
  }
  if (w[0] < 0 || w[1] < 0 || w[2] > raster.width || w[3] > raster.height) {
    throw new EngineError('OUT_OF_BOUNDS', `window [${w.join(', ')}] is outside ${raster.source} (${raster.width}×${raster.height} pixels)`);
  }
  return w;
}

export function planTiles(area: PixelWindow, tileSize: [number, number], overlap: number): Tile[] {
  return tileGrid(area, tileSize, overlap);
}
