/**
 * Affine geotransforms in GDAL order [x0, a, b, y0, d, e]:
 *   X = x0 + a·col + b·row,  Y = y0 + d·col + e·row   (col, row: pixel-corner coordinates).
 * b and d carry rotation/shear (a full ModelTransformation); a north-up raster has b = d = 0, e < 0.
 * Pure functions on numbers and flat coordinate arrays.
 */
import { EngineError } from '../errors.js';

export type Affine = [number, number, number, number, number, number];

export function applyAffine(gt: Affine, col: number, row: number): [number, number] {
  return [gt[0] + gt[1] * col + gt[2] * row, gt[3] + gt[4] * col + gt[5] * row];
}

export function invertAffine(gt: Affine): Affine {
  const det = gt[1] * gt[5] - gt[2] * gt[4];
  if (!Number.isFinite(det) || det === 0) {
    throw new EngineError('BAD_IMAGE', `geotransform [${gt.join(', ')}] is not invertible`);
  }
  const ia = gt[5] / det;
  const ib = -gt[2] / det;
  const id = -gt[4] / det;
  const ie = gt[1] / det;
  return [-(ia * gt[0] + ib * gt[3]), ia, ib, -(id * gt[0] + ie * gt[3]), id, ie];
}

/** Applies gt to a flat [x0, y0, x1, y1, ...] array in place-free fashion (returns a new Float64Array). */
export function applyAffineFlat(gt: Affine, flat: ArrayLike<number>): Float64Array {
  const out = new Float64Array(flat.length);
  for (let i = 0; i < flat.length; i += 2) {
    const c = flat[i];
    const r = flat[i + 1];
    out[i] = gt[0] + gt[1] * c + gt[2] * r;
    out[i + 1] = gt[3] + gt[4] * c + gt[5] * r;
  }
  return out;
}

/** Size of one pixel's sides in CRS units [along columns, along rows]. */
export function pixelSize(gt: Affine): [number, number] {
  return [Math.hypot(gt[1], gt[4]), Math.hypot(gt[2], gt[5])];
}

/** True when a → b reverses orientation (the usual north-up case: rows go down, Y goes up). */
export function flipsOrientation(gt: Affine): boolean {
  return gt[1] * gt[5] - gt[2] * gt[4] < 0;
}

/** Bounds [minx, miny, maxx, maxy] of a pixel window [x0, y0, x1, y1] mapped through gt. */
export function windowBounds(gt: Affine, win: [number, number, number, number]): [number, number, number, number] {
  const pts = [applyAffine(gt, win[0], win[1]), applyAffine(gt, win[2], win[1]), applyAffine(gt, win[2], win[3]), applyAffine(gt, win[0], win[3])];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
