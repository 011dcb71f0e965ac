/**
 * `-o FILE [--format F] [--crs wgs84|native]` shared by extract, vectorize and evaluate: the format from
 * the extension (or forced), the output CRS default per format (GeoJSON: WGS84; GeoPackage, FlatGeobuf,
 * GeoParquet: the raster's own), and the output path checked before any work starts.
 */
import { formatFor, defaultCrsFor } from '../export/formats.js';
import type { OutputFormat } from '../export/formats.js';
import { openOutputFile } from '../export/output-file.js';
import { crsArg, requireOutput } from './geo-args.js';

export interface OutputChoice {
  path: string;
  format: OutputFormat;
  crs: 'wgs84' | 'native';
}

export const OUTPUT_HELP = `  -o, --output FILE      .geojson, .gpkg, .fgb or .parquet (written to a temp file and renamed; - = GeoJSON on stdout)
  --format F             geojson | gpkg | fgb | parquet: overrides the extension
  --crs wgs84|native     output CRS (default: wgs84 for GeoJSON, the raster's own CRS for the others)`;

export async function outputChoice(command: string, values: { output?: string; format?: string; crs?: string }, inputs: string[]): Promise<OutputChoice> {
  const path = requireOutput(values.output, command);
  if (path === '-') {
    // stdout: GeoJSON (writeCollection refuses a forced binary format).
    const format = values.format ? formatFor('out.geojson', values.format) : 'geojson';
    return { path, format, crs: crsArg(values.crs) ?? defaultCrsFor(format) };
  }
  // Path safety first (not an input, a link, a device or a directory), then the format.
  await openOutputFile(path, { inputs });
  const format = formatFor(path, values.format);
  return { path, format, crs: crsArg(values.crs) ?? defaultCrsFor(format) };
}
