/**
 * GeoPackage 1.2 writer: a minimal GPKG (gpkg_spatial_ref_sys, gpkg_contents, gpkg_geometry_columns and
 * one feature table) on node-sqlite3-wasm, SQLite compiled to WebAssembly with direct file access (the
 * only importer of node-sqlite3-wasm). Rows go straight to the temp file in transactions of BATCH
 * features, so memory does not grow with the number of buildings.
 *
 * Why not @ngageoint/geopackage: it needs better-sqlite3, whose install script downloads a prebuilt
 * binary from outside the registries and otherwise compiles SQLite with node-gyp (6 min 49 s here, and
 * only because node headers happened to be cached; npm 11 does not run the script unless approved).
 * sql.js (also WebAssembly) keeps the whole database in memory. See the README's formats section.
 *
 * Geometries are GeoPackage binary (header "GP", version 0, little-endian, xy envelope, srs_id) + WKB;
 * the layer type is MULTIPOLYGON (single polygons are promoted, as `ogr2ogr -nlt PROMOTE_TO_MULTI`).
 * The layer has GDAL's spatial index (gpkg_rtree_index, gpkg-rtree.ts), bulk-loaded as rows come.
 */
import path from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import type { Database as SqliteDatabase } from 'node-sqlite3-wasm';

const { Database } = sqlite;
type Database = SqliteDatabase;
import { EngineError } from '../errors.js';
import { crsMeta } from './crs-meta.js';
import { checkFields, coerce } from './fields.js';
import type { FieldSpec, FieldType } from './fields.js';
import type { Feature } from './geojson.js';
import { fromWkb, geometryBbox, toWkb } from './wkb.js';
import type { OutputFile } from './output-file.js';
import type { FormatWriter, SinkOptions } from './sink.js';
import { GpkgRtree } from './gpkg-rtree.js';

/** Features per transaction. */
const BATCH = 2000;

const SQL_TYPES: Record<FieldType, string> = { integer: 'INTEGER', real: 'REAL', text: 'TEXT', boolean: 'BOOLEAN' };

const WGS84_WKT = 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** GeoPackage geometry blob: GP header with an xy envelope, then WKB. */
export function gpkgGeometry(g: Feature['geometry'], srsId: number): Uint8Array {
  const wkb = toWkb(g);
  const [x0, y0, x1, y1] = geometryBbox(g);
  const out = new Uint8Array(8 + 32 + wkb.length);
  const v = new DataView(out.buffer);
  out[0] = 0x47; // G
  out[1] = 0x50; // P
  out[2] = 0; // version 1
  out[3] = 0b0000_0011; // envelope [minx, maxx, miny, maxy] (1 << 1), little-endian (1)
  v.setInt32(4, srsId, true);
  v.setFloat64(8, x0, true);
  v.setFloat64(16, x1, true);
  v.setFloat64(24, y0, true);
  v.setFloat64(32, y1, true);
  out.set(wkb, 40);
  return out;
}

function isoNow(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, (m) => `${m.slice(0, 4)}Z`);
}

export async function openGpkgWriter(out: OutputFile, options: SinkOptions): Promise<FormatWriter> {
  const fields: FieldSpec[] = options.fields;
  checkFields(fields, ['fid', 'geom']);
  const table = (options.layer ?? path.basename(out.target).replace(/\.[^.]+$/, '')).replace(/[^A-Za-z0-9_]/g, '_') || 'features';
  const meta = crsMeta(options.crs ?? null);
  let srsId = -1;
  let db: Database | null = new Database(out.tmp);
  let rtree: GpkgRtree | null = null;
  try {
    db.exec('PRAGMA application_id = 1196444487; PRAGMA user_version = 10200; PRAGMA journal_mode = DELETE;');
    db.exec(`
      CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
      CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
      CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
      CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
        scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
    `);
    const srs = db.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
    try {
      srs.run(['WGS 84 geodetic', 4326, 'EPSG', 4326, WGS84_WKT, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid']);
      srs.run(['Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system']);
      srs.run(['Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system']);
      if (meta && meta.epsg !== 4326) {
        srsId = meta.epsg ?? 100000;
        srs.run([meta.name, srsId, meta.epsg !== null ? 'EPSG' : 'NONE', meta.epsg ?? srsId, meta.wkt ?? 'undefined', options.crs?.def ?? null]);
      } else if (meta) srsId = 4326;
    } finally {
      srs.finalize();
    }
    const cols = fields.map((f) => `${quote(f.name)} ${SQL_TYPES[f.type]}`).join(', ');
    db.exec(`CREATE TABLE ${quote(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON${cols ? `, ${cols}` : ''})`);
    db.run('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) VALUES (?, ?, ?, ?, ?, ?)',
      [table, 'features', table, '', isoNow(), srsId]);
    db.run('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)', [table, 'geom', 'MULTIPOLYGON', srsId]);
    db.exec('BEGIN');
    rtree = new GpkgRtree(db, table, 'geom');
  } catch (err) {
    db.close();
    db = null;
    throw err instanceof EngineError ? err : new EngineError('INTERNAL', `GeoPackage: ${(err as Error).message}`);
  }
  const insert = db.prepare(`INSERT INTO ${quote(table)} (geom${fields.map((f) => `, ${quote(f.name)}`).join('')}) VALUES (?${', ?'.repeat(fields.length)})`);
  const env = [Infinity, Infinity, -Infinity, -Infinity];
  let inBatch = 0;
  const close = (): void => {
    if (!db) return;
    try {
      insert.finalize();
    } catch {
      /* already finalized */
    }
    db.close();
    db = null;
  };
  return {
    async write(f: Feature) {
      const g = f.geometry.type === 'Polygon' ? { type: 'MultiPolygon' as const, coordinates: [f.geometry.coordinates] } : f.geometry;
      const values = fields.map((c) => {
        const v = coerce(f.properties?.[c.name], c.type);
        return typeof v === 'boolean' ? (v ? 1 : 0) : v;
      });
      const { lastInsertRowid } = insert.run([gpkgGeometry(g, srsId), ...values]);
      const bb = geometryBbox(g);
      rtree!.add(Number(lastInsertRowid), bb);
      if (bb[0] < env[0]) env[0] = bb[0];
      if (bb[1] < env[1]) env[1] = bb[1];
      if (bb[2] > env[2]) env[2] = bb[2];
      if (bb[3] > env[3]) env[3] = bb[3];
      if (++inBatch >= BATCH) {
        db!.exec('COMMIT; BEGIN');
        inBatch = 0;
      }
    },
    async finish() {
      if (Number.isFinite(env[0])) {
        db!.run('UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = ? WHERE table_name = ?', [...env, isoNow(), table]);
      }
      rtree!.finish();
      db!.exec('COMMIT');
      close();
    },
    async destroy() {
      try {
        if (db?.inTransaction) db.exec('ROLLBACK');
      } catch {
        /* closing anyway */
      }
      close();
    },
  };
}

/** Reads the first feature table of a GeoPackage (Polygon / MultiPolygon rows; others skipped). */
export function readGpkg(file: string): { features: Feature[]; epsg: number | null; srsDefinition: string | null; layer: string } {
  let db: Database;
  try {
    db = new Database(file, { readOnly: true });
  } catch (err) {
    throw new EngineError('BAD_INPUT', `${file}: not a GeoPackage (${(err as Error).message})`);
  }
  try {
    const gc = db.all('SELECT g.table_name AS t, g.column_name AS c, g.srs_id AS s FROM gpkg_geometry_columns g JOIN gpkg_contents c ON c.table_name = g.table_name WHERE c.data_type = \'features\' LIMIT 1')[0] as Record<string, unknown> | undefined;
    if (!gc) throw new EngineError('EMPTY', `${file}: no feature table in the GeoPackage`);
    const srs = db.all('SELECT organization AS o, organization_coordsys_id AS c, definition AS d FROM gpkg_spatial_ref_sys WHERE srs_id = ?', [gc.s as number])[0] as Record<string, unknown> | undefined;
    const epsg = srs && String(srs.o).toUpperCase() === 'EPSG' ? Number(srs.c) : null;
    const table = String(gc.t);
    const geomCol = String(gc.c);
    const features: Feature[] = [];
    for (const row of db.all(`SELECT * FROM ${quote(table)}`) as Record<string, unknown>[]) {
      const blob = row[geomCol];
      if (!(blob instanceof Uint8Array) || blob[0] !== 0x47 || blob[1] !== 0x50) continue;
      const envCode = (blob[3] >> 1) & 0x7;
      const envSize = [0, 32, 48, 48, 64][envCode] ?? 0;
      const geometry = fromWkb(blob.subarray(8 + envSize));
      if (!geometry) continue;
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) if (k !== geomCol) properties[k] = typeof v === 'bigint' ? Number(v) : v;
      features.push({ type: 'Feature', geometry, properties });
    }
    return { features, epsg: epsg !== null && Number.isInteger(epsg) && epsg > 0 ? epsg : null, srsDefinition: srs ? String(srs.d) : null, layer: table };
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError('BAD_INPUT', `${file}: cannot read the GeoPackage (${(err as Error).message})`);
  } finally {
    db.close();
  }
}
