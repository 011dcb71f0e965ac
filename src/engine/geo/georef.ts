/**
 * Georeferencing of a raster for vectorizing: pixel → native CRS (affine) → a metric working frame
 * (the native CRS when projected, else the UTM zone of the raster's centre) where simplification,
 * regularization and areas are computed → the output CRS (WGS84 per RFC 7946, or native).
 * A raster without georeferencing stays in pixel coordinates, with a warning.
 */
import { EngineError } from '../errors.js';
import { applyAffine, applyAffineFlat, pixelSize } from './affine.js';
import type { Affine } from './affine.js';
import { crsFromGeoKeys, transformer, utmFor, WGS84 } from './crs.js';
import type { Crs, Transformer } from './crs.js';

export type OutputCrs = 'wgs84' | 'native';

export interface GeoRef {
  affine: Affine | null;
  /** Native CRS of the raster (null: none, or no georeferencing). */
  crs: Crs | null;
  /** Output coordinates: 'wgs84', 'native' or 'pixel' (no georeferencing). */
  output: OutputCrs | 'pixel';
  /** The CRS of the output coordinates (null for pixel coordinates or an unknown native CRS). */
  outputCrs: Crs | null;
  /** Working-frame unit → metres, or null when unknown (pixel frame or native CRS without a code). */
  workToMeters: number | null;
  /** Mean pixel side in working units. */
  workPixelSize: number;
  pixelToWork(flat: ArrayLike<number>): Float64Array;
  workToOutput(flat: ArrayLike<number>): Float64Array;
  warnings: string[];
}

export interface GeoRefOptions {
  /** 'wgs84' (default) or 'native'. */
  crs?: OutputCrs;
  /** Overrides the raster's CRS ("EPSG:NNNN" or a proj string). */
  srs?: string;
}

export function makeGeoRef(
  info: { affine: Affine | null; geoKeys: Record<string, unknown> | null; width: number; height: number; source?: string },
  options: GeoRefOptions = {},
): GeoRef {
  const output = options.crs ?? 'wgs84';
  if (output !== 'wgs84' && output !== 'native') {
    throw new EngineError('BAD_INPUT', `crs: got ${JSON.stringify(output)}, expected "wgs84" or "native"`);
  }
  if (options.srs !== undefined && options.srs.trim() === '') {
    throw new EngineError('BAD_INPUT', 'srs: got an empty string, expected EPSG:NNNN or a proj string (or leave it out)');
  }
  const warnings: string[] = [];
  const name = info.source ?? 'the raster';
  if (!info.affine) {
    warnings.push(`${name} has no georeferencing: polygons are in pixel coordinates (x right, y down) and areas in pixels`);
    return new Frames({ affine: null, crs: null, output: 'pixel', outputCrs: null, workToMeters: null, workPixelSize: 1, warnings }, null, null, null);
  }
  const affine = info.affine;
  checkAffine(affine, info.width, info.height, name);
  const crs = crsFromGeoKeys(info.geoKeys, options.srs);
  const [px, py] = pixelSize(affine);
  if (!crs) {
    warnings.push(`${name} has a geotransform but no CRS: polygons are in its native coordinates with no CRS (pass --srs to set one)`);
    return new Frames({ affine, crs: null, output: 'native', outputCrs: null, workToMeters: null, workPixelSize: (px + py) / 2, warnings }, null, null, null);
  }
  let work: Crs = crs;
  let nativeToWork: Transformer | null = null;
  if (crs.geographic) {
    const [lon, lat] = transformer(crs, WGS84).forward(...applyAffine(affine, info.width / 2, info.height / 2));
    work = utmFor(lon, lat);
    nativeToWork = transformer(crs, work);
  }
  const outCrs = output === 'wgs84' ? WGS84 : crs;
  const geo = new Frames({ affine, crs, output, outputCrs: outCrs, workToMeters: work.toMeters, workPixelSize: 0, warnings }, nativeToWork, transformer(work, outCrs), name);
  // Pixel size in the working frame, measured at the centre.
  const c = geo.pixelToWork([info.width / 2, info.height / 2, info.width / 2 + 1, info.height / 2, info.width / 2, info.height / 2 + 1]);
  geo.workPixelSize = (Math.hypot(c[2] - c[0], c[3] - c[1]) + Math.hypot(c[4] - c[0], c[5] - c[1])) / 2;
  if (!(Number.isFinite(geo.workPixelSize) && geo.workPixelSize > 0)) {
    throw new EngineError('BAD_CRS', `${name}: its pixel size is not a finite length in ${crs.code ?? 'its CRS'} (georeferencing outside the CRS's valid area?)`);
  }
  return geo;
}

/** A GeoRef's data (its fields without the transforms). */
type GeoFields = Omit<GeoRef, 'pixelToWork' | 'workToOutput'>;

// The class has the GeoRef's data fields (set from `fields` in its constructor).
interface Frames extends GeoFields {}

/**
 * A GeoRef's frames and transforms. A class, not an object of closures made per call: its methods are
 * the same functions for every raster, so V8 keeps their optimized code from one extract call to the
 * next (a closure's optimized code is dropped once none of its closures lives).
 */
class Frames implements GeoRef {
  /**
   * `nativeToWork`: native CRS → working frame (null: the same); `workToOut`: working frame → output
   * (null: the same, no check); `checked`: the raster's name for the non-finite output check (null: none).
   */
  constructor(
    fields: GeoFields,
    private readonly nativeToWork: Transformer | null,
    private readonly workToOut: Transformer | null,
    private readonly checked: string | null,
  ) {
    Object.assign(this, fields);
  }

  pixelToWork(flat: ArrayLike<number>): Float64Array {
    if (!this.affine) return Float64Array.from(flat);
    const native = applyAffineFlat(this.affine, flat);
    return this.nativeToWork ? this.nativeToWork.forwardFlat(native) : native;
  }

  workToOutput(flat: ArrayLike<number>): Float64Array {
    if (!this.workToOut) return Float64Array.from(flat);
    const out = this.workToOut.forwardFlat(flat);
    return this.checked === null ? out : finiteOrThrow(out, this.checked);
  }
}

/** Largest absolute coordinate accepted in a geotransform (beyond it a pixel is below float precision). */
const MAX_COORD = 1e12;

/**
 * Refuses a geotransform that cannot georeference anything: non-finite terms, a zero-area pixel (zero
 * or collinear pixel size), or corners beyond ±1e12 — instead of writing `[null, null]` coordinates or
 * "0 buildings" silently.
 */
export function checkAffine(a: Affine, width: number, height: number, name = 'the raster'): void {
  const bad = (why: string): never => {
    throw new EngineError('BAD_IMAGE', `${name}: invalid georeferencing (geotransform [${a.join(', ')}]): ${why}`);
  };
  if (!a.every(Number.isFinite)) bad('a term is not a finite number');
  const det = a[1] * a[5] - a[2] * a[4];
  if (!(Number.isFinite(det) && det !== 0)) bad('the pixel size is zero (or the pixel axes are collinear)');
  for (const [x, y] of [[0, 0], [width, 0], [0, height], [width, height]]) {
    const [gx, gy] = applyAffine(a, x, y);
    if (!(Math.abs(gx) <= MAX_COORD && Math.abs(gy) <= MAX_COORD)) bad(`a corner lies at (${gx}, ${gy}), beyond ±${MAX_COORD}`);
  }
}

function finiteOrThrow(out: Float64Array, name: string): Float64Array {
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new EngineError('BAD_CRS', `${name}: a coordinate cannot be transformed to the output CRS (outside the CRS's valid area): refusing to write non-finite coordinates`);
    }
  }
  return out;
}
