/**
 * GeoJSON export: a FeatureCollection per RFC 7946 (WGS84 lon/lat, right-hand rings), or in the
 * raster's native CRS with the (pre-RFC, GDAL-readable) "crs" member naming it. Written atomically.
 */
import type { Crs } from '../geo/crs.js';
import { writeOutput } from '../util/output-path.js';

export interface Feature {
  type: 'Feature';
  id?: number | string;
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
  properties: Record<string, unknown>;
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  crs?: { type: 'name'; properties: { name: string } };
  features: Feature[];
  [member: string]: unknown;
}

export interface CollectionOptions {
  /** The CRS of the coordinates when they are not WGS84 (adds the "crs" member); null/absent = WGS84. */
  nativeCrs?: Crs | null;
  /** Extra top-level members (e.g. a note, the source). */
  extra?: Record<string, unknown>;
}

/** Where a streaming producer (extractFeatures, vectorizeRasterFeatures) sends its features. */
export interface FeatureSink {
  /** Once, before any feature: the collection without its features ("crs" member, note) — what a writer needs to open its file. */
  open?(head: FeatureCollection): void | Promise<void>;
  /** Each feature, in id order, as soon as it is final. */
  write(feature: Feature): void | Promise<void>;
}

/** Runs a streaming producer into memory: its summary plus the whole FeatureCollection. */
export async function collectFeatures<S extends object>(produce: (sink: FeatureSink) => Promise<S>): Promise<S & { collection: FeatureCollection }> {
  let head: FeatureCollection | null = null;
  const features: Feature[] = [];
  const summary = await produce({ open: (h) => void (head = h), write: (f) => void features.push(f) });
  return { collection: { ...head!, features }, ...summary };
}

export function featureCollection(features: Feature[], options: CollectionOptions = {}): FeatureCollection {
  const fc: FeatureCollection = { type: 'FeatureCollection', ...(options.extra ?? {}), features };
  const crs = options.nativeCrs;
  if (crs && crs.code !== 'EPSG:4326') {
    const name = crs.code ? `urn:ogc:def:crs:EPSG::${crs.code.slice(5)}` : crs.def;
    return { type: 'FeatureCollection', crs: { type: 'name', properties: { name } }, ...(options.extra ?? {}), features };
  }
  return fc;
}

/**
 * Serializes and writes a FeatureCollection atomically (temp file + rename; `-` = stdout), never over
 * one of `inputs`, a link, a directory or a device (util/output-path).
 */
export async function writeGeoJson(path: string, fc: FeatureCollection, options: { signal?: AbortSignal; inputs?: readonly string[] } = {}): Promise<void> {
  await writeOutput(path, JSON.stringify(fc) + '\n', { signal: options.signal, inputs: options.inputs });
}
