/**
 * Reads a polygon layer back from any output format (for `evaluate`): GeoJSON, GeoPackage (first
 * feature table), FlatGeobuf, GeoParquet. The whole layer is held in memory: evaluation layers are a few
 * thousand buildings. Non-polygon features are skipped and counted.
 */
import { promises as fs } from 'node:fs';
import { EngineError } from '../errors.js';
import { fromEpsg, WGS84 } from '../geo/crs.js';
import type { Crs } from '../geo/crs.js';
import type { Feature, FeatureCollection } from './geojson.js';
import { formatFor } from './formats.js';
import type { OutputFormat } from './formats.js';
import { collectionCrs } from './write-collection.js';

export interface Layer {
  features: Feature[];
  /** The layer's CRS; null = unknown (pixel coordinates, or a CRS we cannot name). */
  crs: Crs | null;
  format: OutputFormat;
  /** Features that were not polygons. */
  skipped: number;
}

const epsgCrs = (code: number | null): Crs | null => (code === null ? null : code === 4326 ? WGS84 : fromEpsg(code));

export async function readLayer(file: string, options: { format?: string } = {}): Promise<Layer> {
  const st = await fs.stat(file).catch(() => null);
  if (!st) throw new EngineError('NOT_FOUND', `${file} does not exist`);
  if (!st.isFile()) throw new EngineError('BAD_INPUT', `${file} is not a file`);
  const format = formatFor(file, options.format);
  let all: Feature[];
  let crs: Crs | null;
  if (format === 'geojson') {
    let fc: FeatureCollection;
    try {
      fc = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch (err) {
      throw new EngineError('BAD_INPUT', `${file}: not JSON (${(err as Error).message})`);
    }
    if ((fc as { type?: string })?.type === 'Feature') fc = { type: 'FeatureCollection', features: [fc as unknown as Feature] };
    if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new EngineError('BAD_INPUT', `${file}: expected a GeoJSON FeatureCollection`);
    all = fc.features.filter((f) => f && f.geometry);
    crs = collectionCrs(fc);
  } else if (format === 'gpkg') {
    const { readGpkg } = await import('./gpkg.js');
    const r = readGpkg(file);
    all = r.features;
    crs = epsgCrs(r.epsg);
  } else if (format === 'fgb') {
    const { readFgb } = await import('./fgb.js');
    const r = await readFgb(file);
    all = r.features;
    crs = epsgCrs(r.epsg);
  } else {
    const { readGeoParquet } = await import('./geoparquet.js');
    const r = await readGeoParquet(file);
    all = r.features;
    crs = epsgCrs(r.epsg);
  }
  const features = all.filter((f) => f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon');
  return { features, crs, format, skipped: all.length - features.length };
}
