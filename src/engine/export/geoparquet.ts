/**
 * GeoParquet 1.1 writer: apache-arrow builds each batch of features (attribute columns, `geometry` as
 * WKB, a `bbox` struct covering column), parquet-wasm's transformParquetStream encodes the batches as
 * they come and the bytes are streamed to the temp file: row groups of at most ROW_GROUP rows, so memory
 * is bounded by one batch plus one row group. The `geo` file metadata (version 1.1.0, primary_column,
 * encoding WKB, geometry_types, PROJJSON crs, covering.bbox) is written in the footer.
 * The only importer of parquet-wasm and apache-arrow.
 */
import { promises as fs } from 'node:fs';
import { ReadableStream } from 'node:stream/web';
import { Binary, Bool, Field, Float64, Int64, Struct, Table as ArrowTable, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';
import * as pq from 'parquet-wasm';
import { EngineError } from '../errors.js';
import { WGS84 } from '../geo/crs.js';
import { crsMeta } from './crs-meta.js';
import { checkFields, coerce } from './fields.js';
import type { FieldSpec, FieldType } from './fields.js';
import type { Feature } from './geojson.js';
import { fromWkb, geometryBbox, toWkb } from './wkb.js';
import type { OutputFile } from './output-file.js';
import type { FormatWriter, SinkOptions } from './sink.js';

/** Features per Arrow batch (and per row group). */
export const ROW_GROUP = 4096;

const ARROW_TYPES: Record<FieldType, () => DataType> = {
  integer: () => new Int64(),
  real: () => new Float64(),
  text: () => new Utf8(),
  boolean: () => new Bool(),
};

const BBOX_TYPE = (): Struct => new Struct(['xmin', 'ymin', 'xmax', 'ymax'].map((n) => new Field(n, new Float64(), false)));

/** The `geo` metadata (GeoParquet 1.1.0). WGS84 output omits `crs` (= OGC:CRS84, lon/lat). */
export function geoMetadata(options: SinkOptions): Record<string, unknown> {
  const column: Record<string, unknown> = {
    encoding: 'WKB',
    geometry_types: ['Polygon', 'MultiPolygon'],
    covering: { bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] } },
  };
  const crs = options.crs ?? null;
  if (crs === null) column.crs = null;
  else if (crs.def !== WGS84.def) {
    const meta = crsMeta(crs);
    column.crs = meta?.projjson ?? (meta?.epsg ? { type: 'ProjectedCRS', name: meta.name, id: { authority: 'EPSG', code: meta.epsg } } : null);
  }
  return { version: '1.1.0', primary_column: 'geometry', columns: { geometry: column } };
}

/** A one-slot channel: push() resolves when the consumer has taken the item (backpressure). */
function channel<T>(): { push(v: T | null): Promise<void>; stream: ReadableStream<T> } {
  let waiting: ((v: T | null) => void) | null = null;
  let queued: { v: T | null; taken: () => void } | null = null;
  let takenResolve: (() => void) | null = null;
  const stream = new ReadableStream<T>({
    async pull(controller) {
      const v = await new Promise<T | null>((resolve) => {
        if (queued) {
          const q = queued;
          queued = null;
          q.taken();
          resolve(q.v);
        } else waiting = resolve;
      });
      if (v === null) controller.close();
      else controller.enqueue(v);
    },
  }, { highWaterMark: 0 });
  return {
    stream,
    push(v) {
      return new Promise<void>((resolve) => {
        if (waiting) {
          const w = waiting;
          waiting = null;
          w(v);
          resolve();
        } else {
          takenResolve = resolve;
          queued = { v, taken: () => takenResolve?.() };
        }
      });
    },
  };
}

export async function openGeoParquetWriter(out: OutputFile, options: SinkOptions): Promise<FormatWriter> {
  const fields: FieldSpec[] = options.fields;
  checkFields(fields);
  const geo = geoMetadata(options);
  const props = new pq.WriterPropertiesBuilder()
    .setCompression(pq.Compression.SNAPPY)
    .setMaxRowGroupSize(ROW_GROUP)
    .setKeyValueMetadata(new Map([['geo', JSON.stringify(geo)]]))
    .setCreatedBy('fastsam-geo')
    .build();
  const ch = channel<pq.RecordBatch>();
  const fh = await fs.open(out.tmp, 'wx', 0o644);
  let failed: unknown = null;
  // Not awaited here: the encoder pulls the first batch (for the schema) before it resolves.
  const bytesP = pq.transformParquetStream(ch.stream as unknown as globalThis.ReadableStream, props);
  const pump = (async () => {
    const bytes = await bytesP;
    const reader = (bytes as unknown as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await fh.write(value);
    }
  })().catch((err) => {
    failed = err;
  });

  let rows: Feature[] = [];
  let batches = 0;
  const flush = async (force = false): Promise<void> => {
    if (rows.length === 0 && !force) return;
    const cols: Record<string, Vector> = {};
    for (const f of fields) {
      let values: unknown[] = rows.map((r) => coerce(r.properties?.[f.name], f.type));
      if (f.type === 'integer') values = values.map((v) => (v === null ? null : BigInt(v as number)));
      cols[f.name] = vectorFromArray(values, ARROW_TYPES[f.type]());
    }
    cols.geometry = vectorFromArray(rows.map((r) => toWkb(r.geometry)), new Binary());
    cols.bbox = vectorFromArray(rows.map((r) => {
      const [xmin, ymin, xmax, ymax] = geometryBbox(r.geometry);
      return { xmin, ymin, xmax, ymax };
    }), BBOX_TYPE());
    rows = [];
    const table = pq.Table.fromIPCStream(tableToIPC(new ArrowTable(cols), 'stream'));
    for (const batch of table.recordBatches()) {
      if (failed) throw failed;
      await ch.push(batch);
      batches++;
    }
  };
  return {
    async write(f: Feature) {
      if (failed) throw new EngineError('INTERNAL', `GeoParquet encoder failed: ${(failed as Error).message ?? failed}`);
      rows.push(f);
      if (rows.length >= ROW_GROUP) await flush();
    },
    async finish() {
      await flush(batches === 0);
      await ch.push(null);
      await pump;
      await fh.close();
      if (failed) throw new EngineError('INTERNAL', `GeoParquet encoder failed: ${(failed as Error).message ?? failed}`);
    },
    async destroy() {
      rows = [];
      await ch.push(null).catch(() => {});
      await Promise.race([pump, new Promise((r) => setTimeout(r, 1000))]);
      await fh.close().catch(() => {});
    },
  };
}

/** Reads a whole GeoParquet file (WKB geometry column per its `geo` metadata). */
export async function readGeoParquet(file: string): Promise<{ features: Feature[]; epsg: number | null; crsKnown: boolean }> {
  let table: ArrowTable;
  try {
    const wasm = pq.readParquet(new Uint8Array(await fs.readFile(file)));
    table = tableFromIPC(wasm.intoIPCStream());
  } catch (err) {
    throw new EngineError('BAD_INPUT', `${file}: cannot read the Parquet file (${(err as Error).message ?? err})`);
  }
  const geoText = table.schema.metadata.get('geo');
  if (!geoText) throw new EngineError('BAD_INPUT', `${file}: a Parquet file without GeoParquet "geo" metadata`);
  const geo = JSON.parse(geoText) as { primary_column: string; columns: Record<string, { encoding: string; crs?: { id?: { authority?: string; code?: number | string } } | null }> };
  const name = geo.primary_column;
  const col = geo.columns?.[name];
  if (!col || String(col.encoding).toUpperCase() !== 'WKB') throw new EngineError('BAD_INPUT', `${file}: geometry column ${name} is not WKB-encoded`);
  // Omitted crs = OGC:CRS84 (lon/lat); null = unknown.
  let epsg: number | null = 4326;
  let crsKnown = true;
  if (col.crs === null) {
    epsg = null;
    crsKnown = false;
  } else if (col.crs !== undefined) {
    const id = col.crs.id;
    epsg = id && String(id.authority).toUpperCase() === 'EPSG' ? Number(id.code) : null;
    crsKnown = epsg !== null;
  }
  const names = table.schema.fields.map((f) => f.name).filter((n) => n !== name && n !== 'bbox');
  const features: Feature[] = [];
  for (const row of table) {
    const wkb = row[name] as Uint8Array | null;
    const g = wkb ? fromWkb(wkb) : null;
    if (!g) continue;
    const properties: Record<string, unknown> = {};
    for (const n of names) {
      const v = row[n];
      properties[n] = typeof v === 'bigint' ? Number(v) : v;
    }
    features.push({ type: 'Feature', geometry: g, properties });
  }
  return { features, epsg, crsKnown };
}
