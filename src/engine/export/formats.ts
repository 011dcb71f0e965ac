/**
 * Output formats: chosen from the file extension (`-o out.gpkg`), or forced with `--format`.
 * GeoJSON is RFC 7946 WGS84 by default; GeoPackage, FlatGeobuf and GeoParquet carry the raster's CRS by
 * default (see defaultCrsFor).
 */
import path from 'node:path';
import { EngineError } from '../errors.js';

export type OutputFormat = 'geojson' | 'gpkg' | 'fgb' | 'parquet';

export const FORMATS: readonly OutputFormat[] = ['geojson', 'gpkg', 'fgb', 'parquet'];

const EXTENSIONS: Record<string, OutputFormat> = {
  '.geojson': 'geojson',
  '.json': 'geojson',
  '.gpkg': 'gpkg',
  '.fgb': 'fgb',
  '.parquet': 'parquet',
  '.geoparquet': 'parquet',
};

const ALIASES: Record<string, OutputFormat> = {
  geojson: 'geojson', json: 'geojson', gpkg: 'gpkg', geopackage: 'gpkg', fgb: 'fgb', flatgeobuf: 'fgb',
  parquet: 'parquet', geoparquet: 'parquet',
};

/** Parses a `--format` value ("gpkg", "GeoPackage", "fgb", "parquet", "geojson", ...). */
export function parseFormat(value: string): OutputFormat {
  const f = ALIASES[String(value).trim().toLowerCase()];
  if (!f) throw new EngineError('BAD_INPUT', `--format: got ${JSON.stringify(value)}, expected one of ${FORMATS.join(', ')}`);
  return f;
}

/** The format of an output path: `forced` when given, else from its extension (BAD_INPUT when unknown). */
export function formatFor(file: string, forced?: string | OutputFormat): OutputFormat {
  if (forced !== undefined && forced !== null && forced !== '') return parseFormat(forced);
  const ext = path.extname(String(file)).toLowerCase();
  const f = EXTENSIONS[ext];
  if (!f) {
    throw new EngineError(
      'BAD_INPUT',
      `output ${JSON.stringify(file)}: unknown extension ${JSON.stringify(ext || '(none)')}, expected .geojson, .gpkg, .fgb or .parquet (or --format ${FORMATS.join('|')})`,
    );
  }
  return f;
}

/** Default output CRS: GeoJSON is RFC 7946 WGS84; the others keep the raster's own CRS. */
export function defaultCrsFor(format: OutputFormat): 'wgs84' | 'native' {
  return format === 'geojson' ? 'wgs84' : 'native';
}

export const MEDIA_TYPES: Record<OutputFormat, string> = {
  geojson: 'application/geo+json',
  gpkg: 'application/geopackage+sqlite3',
  fgb: 'application/flatgeobuf',
  parquet: 'application/vnd.apache.parquet',
};
