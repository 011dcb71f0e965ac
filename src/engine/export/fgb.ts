/**
 * FlatGeobuf writer on the flatgeobuf package's own encoders (the only importer of flatgeobuf).
 * Features are encoded one at a time into a side file while the count and the envelope are tracked;
 * finish() writes magic bytes + a header with the exact count, envelope, columns and CRS (EPSG code and
 * WKT), then the packed Hilbert R-tree (fgb-index.ts; index_node_size 16, as GDAL) and the features in
 * its order: the side file is read back feature by feature, and memory holds 48 bytes per feature for
 * the index (`spatialIndex: false`: no index, the features in the order written, memory bounded).
 * The layer type is MultiPolygon
 * (single polygons are promoted, as `ogr2ogr -nlt PROMOTE_TO_MULTI` does) so GIS tools see one layer.
 */
import { closeSync, createReadStream, createWriteStream, openSync, promises as fs, readSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import * as flatbuffers from 'flatbuffers';
import { buildFeature } from 'flatgeobuf/lib/mjs/generic/feature.js';
import { parseGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import { Crs as FgbCrs } from 'flatgeobuf/lib/mjs/flat-geobuf/crs.js';
import { Column } from 'flatgeobuf/lib/mjs/flat-geobuf/column.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { calcTreeSize, generateLevelBounds } from 'flatgeobuf/lib/mjs/packedrtree.js';
import { DEFAULT_NODE_SIZE, FeatureBoxes, hilbertOrder, packedRtree } from './fgb-index.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js';
import path from 'node:path';
import { deserialize as deserializeGeoJson } from 'flatgeobuf/lib/mjs/geojson.js';
import { EngineError } from '../errors.js';
import { ByteWriter } from './byte-writer.js';
import { crsMeta } from './crs-meta.js';
import { checkFields, coerce } from './fields.js';
import type { FieldSpec, FieldType } from './fields.js';
import type { Feature } from './geojson.js';
import { geometryBbox } from './wkb.js';
import type { OutputFile } from './output-file.js';
import type { FormatWriter, SinkOptions } from './sink.js';

const COLUMN_TYPES: Record<FieldType, ColumnType> = {
  integer: ColumnType.Long,
  real: ColumnType.Double,
  text: ColumnType.String,
  boolean: ColumnType.Bool,
};

function columnMeta(f: FieldSpec): ColumnMeta {
  return { name: f.name, type: COLUMN_TYPES[f.type], title: null, description: null, width: -1, precision: -1, scale: -1, nullable: true, unique: false, primary_key: false };
}

function buildHeader(fields: FieldSpec[], count: number, envelope: number[] | null, options: SinkOptions, layer: string, nodeSize: number): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const cols = fields.map((f) => {
    const name = b.createString(f.name);
    Column.startColumn(b);
    Column.addName(b, name);
    Column.addType(b, COLUMN_TYPES[f.type]);
    Column.addNullable(b, true);
    return Column.endColumn(b);
  });
  const colsOff = cols.length ? Header.createColumnsVector(b, cols) : 0;
  const nameOff = b.createString(layer);
  const meta = crsMeta(options.crs ?? null);
  let crsOff = 0;
  if (meta) {
    const org = meta.epsg !== null ? b.createString('EPSG') : 0;
    const cname = b.createString(meta.name);
    const wkt = meta.wkt ? b.createString(meta.wkt) : 0;
    const codeString = meta.epsg === null && options.crs ? b.createString(options.crs.def) : 0;
    FgbCrs.startCrs(b);
    if (org) FgbCrs.addOrg(b, org);
    if (meta.epsg !== null) FgbCrs.addCode(b, meta.epsg);
    FgbCrs.addName(b, cname);
    if (wkt) FgbCrs.addWkt(b, wkt);
    if (codeString) FgbCrs.addCodeString(b, codeString);
    crsOff = FgbCrs.endCrs(b);
  }
  const envOff = envelope ? Header.createEnvelopeVector(b, envelope) : 0;
  Header.startHeader(b);
  Header.addName(b, nameOff);
  if (envOff) Header.addEnvelope(b, envOff);
  Header.addGeometryType(b, GeometryType.MultiPolygon);
  if (colsOff) Header.addColumns(b, colsOff);
  Header.addFeaturesCount(b, BigInt(count));
  Header.addIndexNodeSize(b, nodeSize);
  if (crsOff) Header.addCrs(b, crsOff);
  const off = Header.endHeader(b);
  b.finishSizePrefixed(off);
  return b.asUint8Array();
}

export async function openFgbWriter(out: OutputFile, options: SinkOptions): Promise<FormatWriter> {
  const fields = options.fields;
  checkFields(fields, ['geometry']);
  const layer = options.layer ?? path.basename(out.target).replace(/\.[^.]+$/, '');
  const headerMeta: HeaderMeta = {
    geometryType: GeometryType.MultiPolygon, columns: fields.map(columnMeta), envelope: null, featuresCount: 0,
    indexNodeSize: 0, crs: null, title: null, description: null, metadata: null,
  };
  const side = `${out.tmp}.features`;
  const w = await ByteWriter.create(side);
  let count = 0;
  const env = [Infinity, Infinity, -Infinity, -Infinity];
  const indexed = options.spatialIndex !== false;
  const boxes = new FeatureBoxes();
  return {
    async write(f: Feature) {
      const g = f.geometry.type === 'Polygon' ? { type: 'MultiPolygon' as const, coordinates: [f.geometry.coordinates] } : f.geometry;
      const props: Record<string, number | string | boolean | null> = {};
      for (const c of fields) props[c.name] = coerce(f.properties?.[c.name], c.type);
      const bytes = buildFeature(parseGeometry(g as never), props, headerMeta);
      const at = w.offset;
      await w.write(bytes);
      const bb = geometryBbox(g);
      if (indexed) boxes.add(bb, at, bytes.length);
      if (bb[0] < env[0]) env[0] = bb[0];
      if (bb[1] < env[1]) env[1] = bb[1];
      if (bb[2] > env[2]) env[2] = bb[2];
      if (bb[3] > env[3]) env[3] = bb[3];
      count++;
    },
    async finish() {
      await w.close();
      // An empty layer has no index (a tree needs one item).
      const nodeSize = indexed && count > 0 ? DEFAULT_NODE_SIZE : 0;
      const header = buildHeader(fields, count, count ? env : null, options, layer, nodeSize);
      if (nodeSize === 0) {
        const fh = await fs.open(out.tmp, 'wx', 0o644);
        try {
          await fh.write(magicbytes);
          await fh.write(header);
        } finally {
          await fh.close();
        }
        await pipeline(createReadStream(side), createWriteStream(out.tmp, { flags: 'a' }));
      } else {
        const order = hilbertOrder(boxes, env);
        const tree = packedRtree(boxes, order, nodeSize, generateLevelBounds(count, nodeSize) as Array<[number, number]>);
        if (tree.length !== calcTreeSize(count, nodeSize)) throw new EngineError('INTERNAL', 'FlatGeobuf index size');
        const o = await ByteWriter.create(out.tmp);
        const fd = openSync(side, 'r');
        try {
          await o.write(magicbytes);
          await o.write(header);
          await o.write(tree);
          // The features in the index's order, read back from the side file (positioned reads from the
          // page cache; a batch of them between two awaited writes, so the event loop keeps turning).
          for (let k = 0; k < order.length; k++) {
            const i = order[k];
            const buf = Buffer.allocUnsafe(boxes.length(i));
            if (readSync(fd, buf, 0, buf.length, boxes.offset(i)) !== buf.length) throw new EngineError('INTERNAL', 'FlatGeobuf side file was cut short');
            await o.write(buf);
          }
          await o.close();
        } catch (err) {
          await o.destroy();
          throw err;
        } finally {
          closeSync(fd);
        }
      }
      await fs.rm(side, { force: true });
    },
    async destroy() {
      await w.destroy();
      await fs.rm(side, { force: true });
    },
  };
}

/** Reads a whole FlatGeobuf file (for evaluate: layers of a few thousand polygons). */
export async function readFgb(file: string): Promise<{ features: Feature[]; epsg: number | null }> {
  const bytes = new Uint8Array(await fs.readFile(file));
  let epsg: number | null = null;
  const features: Feature[] = [];
  try {
    for await (const f of deserializeGeoJson(bytes, { headerMetaFn: (h: HeaderMeta) => {
      epsg = h.crs && h.crs.code > 0 && (!h.crs.org || h.crs.org.toUpperCase() === 'EPSG') ? h.crs.code : null;
    } })) {
      const g = f.geometry as Feature['geometry'] | null;
      if (g && (g.type === 'Polygon' || g.type === 'MultiPolygon')) features.push({ type: 'Feature', geometry: g, properties: (f.properties ?? {}) as Record<string, unknown> });
    }
  } catch (err) {
    throw new EngineError('BAD_INPUT', `${file}: cannot read the FlatGeobuf file (${(err as Error).message})`);
  }
  return { features, epsg };
}
