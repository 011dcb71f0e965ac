/**
 * Feature sinks: writers that take features one at a time, so output memory does not grow with the
 * number of buildings, and write a temp file that is renamed over the target only on success.
 *
 *   const sink = await openFeatureSink('out.gpkg', { crs, fields: EXTRACT_FIELDS });
 *   for (const f of features) await sink.write(f);
 *   await sink.close();           // or sink.abort() on error: no file is left behind
 *
 * Coordinates are written as given, in `crs` (null: unknown / pixel coordinates); each format records
 * that CRS in its own way (GeoJSON: RFC 7946 or a "crs" member; GeoPackage: gpkg_spatial_ref_sys;
 * FlatGeobuf: header crs; GeoParquet: PROJJSON in the `geo` metadata).
 */
import type { Crs } from '../geo/crs.js';
import { EngineError } from '../errors.js';
import type { Feature } from './geojson.js';
import type { FieldSpec } from './fields.js';
import { formatFor } from './formats.js';
import type { OutputFormat } from './formats.js';
import { openOutputFile } from './output-file.js';
import type { OutputFile } from './output-file.js';

export interface FeatureSink {
  readonly format: OutputFormat;
  readonly path: string;
  /** Writes one feature (Polygon or MultiPolygon; GeoJSON takes any geometry). */
  write(feature: Feature): Promise<void>;
  /** Finishes the file and renames it over the target; resolves to the number of features written. */
  close(): Promise<{ features: number; path: string }>;
  /** Drops the temp file; the target is left as it was. Safe to call after close() or twice. */
  abort(): Promise<void>;
}

export interface SinkOptions {
  /** Force a format instead of the extension's. */
  format?: string;
  /** The CRS of the coordinates given to write(); null = unknown (pixel coordinates). */
  crs?: Crs | null;
  /** Attribute columns (name + type), in order. Properties not listed are not written. */
  fields: FieldSpec[];
  /** Layer / table name (GeoPackage table, FlatGeobuf title). Default: the file's base name. */
  layer?: string;
  /** Extra top-level GeoJSON members (a note, the source); other formats ignore them. */
  extra?: Record<string, unknown>;
  noOverwrite?: boolean;
  /**
   * FlatGeobuf: write the packed Hilbert R-tree (default true). It reorders the features at the end and
   * holds 48 bytes per feature meanwhile; false keeps memory flat and the order as written.
   */
  spatialIndex?: boolean;
  /** Input files of the command: writing over one is refused. */
  inputs?: string[];
  signal?: AbortSignal;
}

/** What each format's writer implements on top of a temp file. */
export interface FormatWriter {
  write(feature: Feature): Promise<void>;
  finish(): Promise<void>;
  /** Releases resources without finishing (the temp file is then removed). */
  destroy(): Promise<void>;
}

export type WriterFactory = (out: OutputFile, options: SinkOptions) => Promise<FormatWriter>;

const LOADERS: Record<OutputFormat, () => Promise<WriterFactory>> = {
  geojson: async () => (await import('./geojson-writer.js')).openGeoJsonWriter,
  fgb: async () => (await import('./fgb.js')).openFgbWriter,
  parquet: async () => (await import('./geoparquet.js')).openGeoParquetWriter,
  gpkg: async () => (await import('./gpkg.js')).openGpkgWriter,
};

export async function openFeatureSink(target: string, options: SinkOptions): Promise<FeatureSink> {
  const format = formatFor(target, options.format);
  if (!Array.isArray(options.fields)) throw new EngineError('BAD_INPUT', 'fields: got nothing, expected a list of {name, type}');
  const factory = await LOADERS[format]();
  const out = await openOutputFile(target, { noOverwrite: options.noOverwrite, inputs: options.inputs, signal: options.signal });
  let writer: FormatWriter;
  try {
    writer = await factory(out, options);
  } catch (err) {
    await out.discard();
    throw err;
  }
  let count = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';
  const abort = async (): Promise<void> => {
    if (state !== 'open') return;
    state = 'aborted';
    await writer.destroy().catch(() => {});
    await out.discard();
  };
  return {
    format,
    path: out.target,
    async write(feature) {
      if (state !== 'open') throw new EngineError('INTERNAL', `write after ${state}`);
      const t = feature?.geometry?.type;
      if (format !== 'geojson' && t !== 'Polygon' && t !== 'MultiPolygon') {
        await abort();
        throw new EngineError('BAD_INPUT', `feature ${count + 1}: geometry type ${JSON.stringify(t)}, expected Polygon or MultiPolygon`);
      }
      try {
        await writer.write(feature);
      } catch (err) {
        await abort();
        throw err;
      }
      count++;
    },
    async close() {
      if (state !== 'open') throw new EngineError('INTERNAL', `close after ${state}`);
      try {
        await writer.finish();
        state = 'closed';
        await out.commit();
      } catch (err) {
        state = 'aborted';
        await writer.destroy().catch(() => {});
        await out.discard();
        throw err;
      }
      return { features: count, path: out.target };
    },
    abort,
  };
}

/** Writes every feature of an iterable into a new sink; aborts (no file) on any error. */
export async function writeFeatures(target: string, features: Iterable<Feature> | AsyncIterable<Feature>, options: SinkOptions): Promise<{ features: number; path: string; format: OutputFormat }> {
  const sink = await openFeatureSink(target, options);
  try {
    let k = 0;
    for await (const f of features) {
      if ((k++ & 63) === 0 && options.signal?.aborted) throw new EngineError('ABORTED', 'cancelled');
      await sink.write(f);
    }
    const r = await sink.close();
    return { ...r, format: sink.format };
  } catch (err) {
    await sink.abort();
    throw err;
  }
}
