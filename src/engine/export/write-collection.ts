/**
 * Writes a FeatureCollection already in memory (extract's, vectorize's, the map's export) to any format,
 * feature by feature through a FeatureSink. The CRS is the collection's: its "crs" member (an EPSG URN or
 * a proj string), a pixel-coordinates note (no CRS), else RFC 7946 WGS84.
 */
import { fromEpsg, parseCrs, WGS84 } from '../geo/crs.js';
import type { Crs } from '../geo/crs.js';
import { EngineError } from '../errors.js';
import type { Feature, FeatureCollection } from './geojson.js';
import { inferFields } from './fields.js';
import type { FieldSpec } from './fields.js';
import { openFeatureSink, writeFeatures } from './sink.js';
import type { FeatureSink } from './sink.js';
import { ioError } from '../util/io-error.js';
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

/**
 * A sink for the features of a collection that is streamed (extract, vectorize): `head` is the
 * collection without its features (its "crs" member, note…), the features come one by one. A file
 * target gets the format's writer (temp file + rename on close(), removed on abort()); `-` streams
 * GeoJSON to stdout, byte for byte what JSON.stringify of the whole collection gives (a pipe cannot be
 * taken back: on abort() the output just stops, unterminated).
 */
export async function openCollectionSink(target: string, head: FeatureCollection, options: WriteCollectionOptions & { fields: FieldSpec[]; stdout?: NodeJS.WritableStream }): Promise<FeatureSink> {
  if (target === '-') {
    if (options.format && options.format !== 'geojson') throw new EngineError('BAD_INPUT', `--format ${options.format}: only GeoJSON can be written to stdout (-o -)`);
    return stdoutCollection(head, options.stdout ?? process.stdout);
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(head)) if (k !== 'type' && k !== 'features' && k !== 'crs') extra[k] = v;
  return openFeatureSink(target, {
    format: options.format,
    crs: collectionCrs(head),
    fields: options.fields,
    layer: options.layer,
    extra,
    noOverwrite: options.noOverwrite,
    inputs: options.inputs,
    signal: options.signal,
  });
}

/** What a streaming producer (extract, vectorize) writes to: the collection's head once, then its features. */
export interface CollectionOutput {
  open(head: FeatureCollection): Promise<void>;
  write(feature: Feature): Promise<void>;
}

/**
 * Runs a producer that streams a collection into `target` (openCollectionSink): the file is complete
 * and renamed into place only if the producer succeeds; on any error (a bad tile, Ctrl-C, a full disk)
 * its temp file is removed and the error rethrown. Resolves to the producer's own result.
 */
export async function streamCollection<R>(target: string, options: WriteCollectionOptions & { fields: FieldSpec[]; stdout?: NodeJS.WritableStream }, produce: (out: CollectionOutput) => Promise<R>): Promise<R> {
  let sink: FeatureSink | null = null;
  try {
    const r = await produce({
      open: async (head) => {
        if (sink) throw new EngineError('INTERNAL', 'collection opened twice');
        sink = await openCollectionSink(target, head, options);
      },
      write: async (f) => {
        if (!sink) throw new EngineError('INTERNAL', 'feature before the collection was opened');
        await sink.write(f);
      },
    });
    if (!sink) throw new EngineError('INTERNAL', 'the collection was never opened');
    await (sink as FeatureSink).close();
    return r;
  } catch (err) {
    await (sink as FeatureSink | null)?.abort();
    throw err;
  }
}

function stdoutCollection(head: FeatureCollection, out: NodeJS.WritableStream): FeatureSink {
  // JSON.stringify(head) with an empty features array ends in `[]}`: the features go between.
  const text = JSON.stringify({ ...head, features: [] });
  const at = text.lastIndexOf('[]}');
  const put = (s: string): Promise<void> => {
    const p = new Promise<void>((resolve, reject) => {
      out.write(s, (err) => (err ? reject(ioError(err, 'stdout')) : resolve()));
    });
    p.catch(() => {}); // reported by the next write / close
    return p;
  };
  let count = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';
  let pending: Promise<void> = put(text.slice(0, at + 1));
  return {
    format: 'geojson',
    path: '-',
    async write(feature) {
      if (state !== 'open') throw new EngineError('INTERNAL', `write after ${state}`);
      await pending;
      pending = put((count++ ? ',' : '') + JSON.stringify(feature));
    },
    async close() {
      if (state !== 'open') throw new EngineError('INTERNAL', `close after ${state}`);
      state = 'closed';
      await pending;
      await put(']}');
      return { features: count, path: '-' };
    },
    async abort() {
      state = 'aborted';
      await pending.catch(() => {});
    },
  };
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
