/**
 * Coordinate reference systems: the only file that imports proj4. proj4 itself knows EPSG:4326 and
 * EPSG:3857 only; every other CRS gets a proj string here, built from its EPSG code (UTM zones on WGS84,
 * NAD83 and ETRS89 are computed, a few common national grids are listed) or given by the user (`--srs`).
 * An EPSG code that is neither computable nor listed is a BAD_CRS error that says how to provide it.
 */
import proj4 from 'proj4';
import { EngineError } from '../errors.js';

export interface Crs {
  /** "EPSG:32616", or null for a user-provided definition without a code. */
  code: string | null;
  /** proj4 definition string. */
  def: string;
  /** Human name when known ("WGS 84 / UTM zone 16N"). */
  name: string;
  /** Coordinates in degrees (lon/lat) rather than linear units. */
  geographic: boolean;
  /** Linear unit → metres (1 for geographic: meaningless there). */
  toMeters: number;
}

const TOWGS84_0 = '+towgs84=0,0,0,0,0,0,0';

/** A few national/continental grids people use for building extraction, checked against GDAL in tests. */
const LISTED: Record<number, [string, string]> = {
  4326: ['WGS 84', '+proj=longlat +datum=WGS84 +no_defs'],
  4269: ['NAD83', '+proj=longlat +datum=NAD83 +no_defs'],
  4258: ['ETRS89', `+proj=longlat +ellps=GRS80 ${TOWGS84_0} +no_defs`],
  4283: ['GDA94', `+proj=longlat +ellps=GRS80 ${TOWGS84_0} +no_defs`],
  3857: ['WGS 84 / Pseudo-Mercator', '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs'],
  3395: ['WGS 84 / World Mercator', '+proj=merc +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs'],
  27700: ['OSGB 1936 / British National Grid', '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs'],
  2154: ['RGF93 v1 / Lambert-93', `+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 ${TOWGS84_0} +units=m +no_defs`],
  28992: ['Amersfoort / RD New', '+proj=sterea +lat_0=52.1561605555556 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel +towgs84=565.417,50.3319,465.552,-0.398957,0.343988,-1.8774,4.0725 +units=m +no_defs'],
  3035: ['ETRS89-extended / LAEA Europe', `+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 ${TOWGS84_0} +units=m +no_defs`],
  5070: ['NAD83 / Conus Albers', '+proj=aea +lat_0=23 +lon_0=-96 +lat_1=29.5 +lat_2=45.5 +x_0=0 +y_0=0 +datum=NAD83 +units=m +no_defs'],
  3006: ['SWEREF99 TM', `+proj=utm +zone=33 +ellps=GRS80 ${TOWGS84_0} +units=m +no_defs`],
  2193: ['NZGD2000 / New Zealand Transverse Mercator 2000', `+proj=tmerc +lat_0=0 +lon_0=173 +k=0.9996 +x_0=1600000 +y_0=10000000 +ellps=GRS80 ${TOWGS84_0} +units=m +no_defs`],
};

/** The proj string and name of an EPSG code, or null when it is neither computable nor listed. */
export function epsgDefinition(code: number): { name: string; def: string } | null {
  if (LISTED[code]) return { name: LISTED[code][0], def: LISTED[code][1] };
  if (code >= 32601 && code <= 32660) return { name: `WGS 84 / UTM zone ${code - 32600}N`, def: `+proj=utm +zone=${code - 32600} +datum=WGS84 +units=m +no_defs` };
  if (code >= 32701 && code <= 32760) return { name: `WGS 84 / UTM zone ${code - 32700}S`, def: `+proj=utm +zone=${code - 32700} +south +datum=WGS84 +units=m +no_defs` };
  if (code >= 26901 && code <= 26923) return { name: `NAD83 / UTM zone ${code - 26900}N`, def: `+proj=utm +zone=${code - 26900} +datum=NAD83 +units=m +no_defs` };
  if (code >= 25828 && code <= 25838) return { name: `ETRS89 / UTM zone ${code - 25800}N`, def: `+proj=utm +zone=${code - 25800} +ellps=GRS80 ${TOWGS84_0} +units=m +no_defs` };
  return null;
}

function unitsToMeters(def: string): number {
  const m = /\+to_meter=([0-9.eE+-]+)/.exec(def);
  if (m) return Number(m[1]);
  const u = /\+units=(\S+)/.exec(def)?.[1];
  if (u === 'ft') return 0.3048;
  if (u === 'us-ft') return 1200 / 3937;
  return 1;
}

function make(code: string | null, name: string, def: string): Crs {
  try {
    proj4(def, WGS84_DEF);
  } catch (err) {
    throw new EngineError('BAD_CRS', `cannot use CRS definition "${def}": ${(err as Error).message}`);
  }
  const geographic = /\+proj=(longlat|latlong|lonlat|latlon)\b/.test(def);
  return { code, name, def, geographic, toMeters: geographic ? 1 : unitsToMeters(def) };
}

const WGS84_DEF = '+proj=longlat +datum=WGS84 +no_defs';
export const WGS84: Crs = { code: 'EPSG:4326', name: 'WGS 84', def: WGS84_DEF, geographic: true, toMeters: 1 };

/**
 * Parses a CRS given by a user: "EPSG:32616" (or just "32616") or a proj string ("+proj=utm ...").
 */
export function parseCrs(text: string): Crs {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new EngineError('BAD_CRS', `CRS: got ${JSON.stringify(text)}, expected "EPSG:NNNN" or a proj string`);
  }
  const s = text.trim();
  const m = /^(?:EPSG:)?(\d{4,5})$/i.exec(s);
  if (m) return fromEpsg(Number(m[1]));
  if (s.startsWith('+proj=') || s.includes(' +proj=')) return make(null, 'user-defined', s);
  throw new EngineError('BAD_CRS', `CRS: got ${JSON.stringify(s)}, expected "EPSG:NNNN" or a proj string such as "+proj=utm +zone=16 +datum=WGS84"`);
}

export function fromEpsg(code: number): Crs {
  const d = epsgDefinition(code);
  if (!d) {
    throw new EngineError(
      'BAD_CRS',
      `unknown CRS EPSG:${code}: no built-in definition; pass its proj string with --srs "+proj=..." (see epsg.io/${code}.proj4)`,
      { epsg: code },
    );
  }
  return make(`EPSG:${code}`, d.name, d.def);
}

/**
 * The CRS of a GeoTIFF from its GeoKeys, or null when it has none. `override` (a user's --srs) wins.
 * User-defined keys (32767) and unknown codes are BAD_CRS.
 */
export function crsFromGeoKeys(geoKeys: Record<string, unknown> | null, override?: string): Crs | null {
  if (override) return parseCrs(override);
  if (!geoKeys) return null;
  const model = Number(geoKeys.GTModelTypeGeoKey ?? 0);
  const projected = Number(geoKeys.ProjectedCSTypeGeoKey ?? 0);
  const geographic = Number(geoKeys.GeographicTypeGeoKey ?? 0);
  const citation = String(geoKeys.GTCitationGeoKey ?? geoKeys.PCSCitationGeoKey ?? geoKeys.GeogCitationGeoKey ?? '');
  if (projected && projected !== 32767) return fromEpsg(projected);
  if (model === 2 && geographic && geographic !== 32767) return fromEpsg(geographic);
  if (!projected && !geographic && model === 0) return null;
  if (projected === 32767 || geographic === 32767 || model === 1 || model === 2) {
    throw new EngineError(
      'BAD_CRS',
      `the raster's CRS is user-defined in its GeoKeys${citation ? ` ("${citation}")` : ''} and cannot be read; pass it with --srs "EPSG:NNNN" or --srs "+proj=..."`,
    );
  }
  return null;
}

export interface Transformer {
  /** Transforms a flat [x0, y0, x1, y1, ...] array; returns a new Float64Array. */
  forwardFlat(flat: ArrayLike<number>): Float64Array;
  forward(x: number, y: number): [number, number];
}

/**
 * A class, not an object of closures: its methods are the same functions for every transformer, so
 * V8 keeps their optimized code across the transformers made per extract call (a closure's optimized
 * code is dropped once none of its closures lives).
 */
class Proj4Transformer implements Transformer {
  constructor(private readonly conv: proj4.Converter | null) {}

  forward(x: number, y: number): [number, number] {
    if (!this.conv) return [x, y];
    const p = this.conv.forward([x, y]) as number[];
    return [p[0], p[1]];
  }

  forwardFlat(flat: ArrayLike<number>): Float64Array {
    if (!this.conv) return Float64Array.from(flat);
    const out = new Float64Array(flat.length);
    for (let i = 0; i < flat.length; i += 2) {
      const p = this.conv.forward([flat[i], flat[i + 1]]) as number[];
      out[i] = p[0];
      out[i + 1] = p[1];
    }
    return out;
  }
}

/**
 * proj4 converters, kept per pair of definitions (the 16 last used): a raster's extract calls make
 * the same pairs again and again, and forwardFlat's optimized code refers to the converter's objects —
 * a new converter per call made V8 throw that code away (deoptimized for "weak objects") and compile it
 * again once the old converter was collected.
 */
const converters = new Map<string, proj4.Converter>();
const MAX_CONVERTERS = 16;

function converter(from: string, to: string): proj4.Converter {
  const key = `${from}\u0000${to}`;
  let conv = converters.get(key);
  if (conv) converters.delete(key); // re-inserted last: the most recently used
  else {
    conv = proj4(from, to);
    if (converters.size >= MAX_CONVERTERS) converters.delete(converters.keys().next().value!);
  }
  converters.set(key, conv);
  return conv;
}

/** A transformer from one CRS to another (identity when both are the same definition). */
export function transformer(from: Crs, to: Crs): Transformer {
  return new Proj4Transformer(from.def === to.def ? null : converter(from.def, to.def));
}

/** The WGS84 UTM zone CRS containing lon/lat (a local metric CRS for geometry in geographic rasters). */
export function utmFor(lon: number, lat: number): Crs {
  const zone = Math.min(60, Math.max(1, Math.floor((lon + 180) / 6) + 1));
  return fromEpsg((lat >= 0 ? 32600 : 32700) + zone);
}
