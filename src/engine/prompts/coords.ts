/**
 * Prompt coordinates → raster pixels. Points and boxes come in raster pixels ('pixel'), in the
 * raster's own CRS ('native'), or in any CRS proj4 knows ("EPSG:4326", "EPSG:3857", a proj string):
 * CRS → raster CRS (geo/crs) → pixel (inverse of the raster's affine, geo/affine). A box in map
 * coordinates becomes the pixel bounding box of its four transformed corners.
 */
import { EngineError } from '../errors.js';
import type { Box } from '../types.js';
import { invertAffine, applyAffine, type Affine } from '../geo/affine.js';
import { crsFromGeoKeys, parseCrs, transformer } from '../geo/crs.js';

export interface RasterGeo {
  affine: Affine | null;
  geoKeys: Record<string, unknown> | null;
  source?: string;
}

export type ToPixel = (x: number, y: number) => [number, number];

/** A function from `coords` ('pixel' | 'native' | a CRS) to raster pixel coordinates. */
export function pixelConverter(raster: RasterGeo, coords: string = 'pixel', srs?: string): ToPixel {
  if (coords === 'pixel') return (x, y) => [x, y];
  const name = raster.source ?? 'the raster';
  if (!raster.affine) {
    throw new EngineError('BAD_CRS', `${name} has no georeferencing: give prompt coordinates in pixels (got coordinates in ${coords})`);
  }
  const inv = invertAffine(raster.affine);
  if (coords === 'native') return (x, y) => applyAffine(inv, x, y);
  const native = crsFromGeoKeys(raster.geoKeys, srs);
  if (!native) {
    throw new EngineError('BAD_CRS', `${name} has no CRS: give prompt coordinates in pixels or in its native coordinates (got ${coords})`);
  }
  const t = transformer(parseCrs(coords), native);
  return (x, y) => {
    const [nx, ny] = t.forward(x, y);
    if (!Number.isFinite(nx) || !Number.isFinite(ny)) {
      throw new EngineError('OUT_OF_BOUNDS', `(${x}, ${y}) in ${coords} cannot be transformed to the raster's CRS`);
    }
    return applyAffine(inv, nx, ny);
  };
}

/** A box in prompt coordinates → its pixel bounding box (x1 < x2, y1 < y2 whatever the axis directions). */
export function boxToPixels(box: Box, toPixel: ToPixel): Box {
  if (!Array.isArray(box) || box.length !== 4 || box.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new EngineError('BAD_INPUT', `box: got ${JSON.stringify(box)}, expected [minx, miny, maxx, maxy]`);
  }
  const [x1, y1, x2, y2] = box;
  if (!(x2 > x1 && y2 > y1)) throw new EngineError('BAD_INPUT', `box: got [${box.join(', ')}], expected minx < maxx and miny < maxy`);
  const corners = [toPixel(x1, y1), toPixel(x2, y1), toPixel(x1, y2), toPixel(x2, y2)];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
