/**
 * Writes a FeatureCollection already in memory (extract's, vectorize's, the map's export) to any format,
 * feature by feature through a FeatureSink. The CRS is the collection's: its "crs" member (an EPSG URN or
 * a proj string), a pixel-coordinates note (no CRS), else RFC 7946 WGS84.
 */
import { fromEpsg, parseCrs, WGS84 } from '../geo/crs.js';
import type { Crs } from '../geo/crs.js';
import { EngineError } from '../errors.js';
import type { FeatureCollection } from './geojson.js';
import { inferFields } from './fields.js';
import type { FieldSpec } from './fields.js';
import { writeFeatures } from './sink.js';
import type { OutputFormat } from './formats.js';
import { writeOutput } from '../util/output-path.js';

/** The CRS of a collection's coordinates (null: pixel coordinates / unknown). */
export function collectionCrs(fc: Pick<FeatureCollection, 'crs'> & { note?: unknown }): Crs | null {
  const name = fc.crs?.properties?.name;
  if (typeof name === 'string' && name !== '') {
    const m = /^urn:ogc:def:crs:EPSG:[0-9.]*:(\d+)$/i.exec(name) ?? /^EPSG:(\d+)$/i.exec(name);
    if (m) return fromEpsg(Number(m[1]));
    if (/CRS84$/i.test(name)) return WGS84;
    try {
      return parseCrs(name);
    } catch {
      throw new EngineError('BAD_CRS', `collection crs ${JSON.stringify(name)}: expected an EPSG URN such as urn:ogc:def:crs:EPSG::32616 or a proj string`);
    }
  }
  if (typeof fc.note === 'string' && /pixel/i.test(fc.note)) return null;
  return WGS84;
}

export interface WriteCollectionOptions {
  format?: string;
  /** Columns (default: inferred from every feature's properties). */
  fields?: FieldSpec[];
  layer?: string;
  noOverwrite?: boolean;
  inputs?: string[];
  signal?: AbortSignal;
}

export async function writeCollection(target: string, fc: FeatureCollection, options: WriteCollectionOptions = {}): Promise<{ features: number; path: string; format: OutputFormat }> {
  if (target === '-') {
    // stdout: GeoJSON only (the binary formats need a seekable file).
    if (options.format && options.format !== 'geojson') throw new EngineError('BAD_INPUT', `--format ${options.format}: only GeoJSON can be written to stdout (-o -)`);
    await writeOutput('-', JSON.stringify(fc), { signal: options.signal });
    return { features: fc.features.length, path: '-', format: 'geojson' };
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fc)) if (k !== 'type' && k !== 'features' && k !== 'crs') extra[k] = v;
  return writeFeatures(target, fc.features, {
    format: options.format,
    crs: collectionCrs(fc),
    fields: options.fields ?? inferFields(fc.features),
    layer: options.layer,
    extra,
    noOverwrite: options.noOverwrite,
    inputs: options.inputs,
    signal: options.signal,
  });
}
