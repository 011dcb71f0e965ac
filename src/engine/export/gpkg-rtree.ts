/**
 * The GeoPackage spatial index (extension gpkg_rtree_index, as GDAL writes it): an SQLite R*Tree virtual
 * table rtree_<table>_<geom>(id, minx, maxx, miny, maxy) plus the triggers that keep it in step with
 * later edits (QGIS, GDAL). node-sqlite3-wasm is built without the rtree module, so the index is
 * written as the module stores it — its three shadow tables — and the virtual table is declared in
 * sqlite_master; any SQLite with rtree (GDAL, QGIS, the sqlite3 shell) then reads and updates it.
 *
 * Storage (sqlite ext/rtree/rtree.c): nodes of 1228 bytes (4 + 51 cells of 24 bytes, what the module
 * makes on 4 KiB pages) in %_node(nodeno, data), root = node 1; a node is depth (root only) and cell
 * count as big-endian uint16, then cells of a big-endian int64 (row id in a leaf, child node above)
 * and minx, maxx, miny, maxy as big-endian float32 rounded outwards. %_rowid maps each row to its
 * leaf, %_parent each non-root node to its parent. The tree is bulk-loaded: rows come in blocks of
 * 51² whose boxes are packed into leaves by sort-tile-recursive (STR), so memory stays at one block plus
 * one entry per leaf; the levels above are packed the same way at the end.
 */
import type { Database } from 'node-sqlite3-wasm';

const CELL = 24;
const MAX_CELLS = 51;
const NODE_SIZE = 4 + MAX_CELLS * CELL;

interface Entry {
  id: number;
  box: [number, number, number, number]; // minx, miny, maxx, maxy
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The largest float32 ≤ d. */
function down(d: number): number {
  f32[0] = d;
  if (f32[0] <= d) return f32[0];
  if (f32[0] === 0) u32[0] = 0x80000001;
  else if (f32[0] > 0) u32[0]--;
  else u32[0]++;
  return f32[0];
}
/** The smallest float32 ≥ d. */
function up(d: number): number {
  f32[0] = d;
  if (f32[0] >= d) return f32[0];
  if (f32[0] === 0) u32[0] = 1;
  else if (f32[0] > 0) u32[0]++;
  else u32[0]--;
  return f32[0];
}

/** Sort-tile-recursive: entries in the order that packs them into compact nodes of MAX_CELLS. */
function str(entries: Entry[]): Entry[] {
  const nodes = Math.ceil(entries.length / MAX_CELLS);
  const slices = Math.ceil(Math.sqrt(nodes));
  const perSlice = slices * MAX_CELLS;
  const cx = (e: Entry): number => e.box[0] + e.box[2];
  const cy = (e: Entry): number => e.box[1] + e.box[3];
  const byX = [...entries].sort((a, b) => cx(a) - cx(b) || a.id - b.id);
  const out: Entry[] = [];
  for (let s = 0; s < byX.length; s += perSlice) out.push(...byX.slice(s, s + perSlice).sort((a, b) => cy(a) - cy(b) || a.id - b.id));
  return out;
}

function union(entries: Entry[]): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const e of entries) {
    if (e.box[0] < b[0]) b[0] = e.box[0];
    if (e.box[1] < b[1]) b[1] = e.box[1];
    if (e.box[2] > b[2]) b[2] = e.box[2];
    if (e.box[3] > b[3]) b[3] = e.box[3];
  }
  return b;
}

function nodeBlob(cells: Entry[], depth: number): Uint8Array {
  const out = new Uint8Array(NODE_SIZE);
  const v = new DataView(out.buffer);
  v.setUint16(0, depth, false);
  v.setUint16(2, cells.length, false);
  cells.forEach((c, k) => {
    const o = 4 + k * CELL;
    v.setBigInt64(o, BigInt(c.id), false);
    v.setFloat32(o + 8, c.box[0], false);
    v.setFloat32(o + 12, c.box[2], false);
    v.setFloat32(o + 16, c.box[1], false);
    v.setFloat32(o + 20, c.box[3], false);
  });
  return out;
}

export class GpkgRtree {
  readonly name: string;
  private block: Entry[] = [];
  private leaves: Entry[] = [];
  private nextNode = 2;
  private rows = 0;

  constructor(private readonly db: Database, private readonly table: string, private readonly column: string) {
    this.name = `rtree_${table}_${column}`;
    db.exec(`CREATE TABLE "${this.name}_rowid"(rowid INTEGER PRIMARY KEY,nodeno)`);
    db.exec(`CREATE TABLE "${this.name}_node"(nodeno INTEGER PRIMARY KEY,data)`);
    db.exec(`CREATE TABLE "${this.name}_parent"(nodeno INTEGER PRIMARY KEY,parentnode)`);
  }

  /** One row's box [minx, miny, maxx, maxy] (empty geometries are not indexed, as GDAL does). */
  add(fid: number, box: readonly number[]): void {
    if (!box.every(Number.isFinite)) return;
    this.block.push({ id: fid, box: [down(box[0]), down(box[1]), up(box[2]), up(box[3])] });
    this.rows++;
    if (this.block.length >= MAX_CELLS * MAX_CELLS) this.flushBlock();
  }

  /** Packs nodes of `entries` at `depth`; returns one entry per node (node number + box). */
  private pack(entries: Entry[], depth: number): Entry[] {
    const node = this.db.prepare(`INSERT INTO "${this.name}_node" VALUES (?, ?)`);
    const link = this.db.prepare(depth === 0 ? `INSERT INTO "${this.name}_rowid" VALUES (?, ?)` : `INSERT INTO "${this.name}_parent" VALUES (?, ?)`);
    const out: Entry[] = [];
    try {
      const ordered = str(entries);
      for (let k = 0; k < ordered.length; k += MAX_CELLS) {
        const cells = ordered.slice(k, k + MAX_CELLS);
        const no = this.nextNode++;
        node.run([no, nodeBlob(cells, 0)]);
        for (const c of cells) link.run([c.id, no]);
        out.push({ id: no, box: union(cells) });
      }
    } finally {
      node.finalize();
      link.finalize();
    }
    return out;
  }

  private flushBlock(): void {
    if (this.block.length === 0) return;
    this.leaves.push(...this.pack(this.block, 0));
    this.block = [];
  }

  /** Writes the levels above the leaves, the root (node 1), the triggers and the virtual table. */
  finish(): void {
    const { db, name } = this;
    let level: Entry[];
    let depth = 0;
    if (this.leaves.length === 0 && this.block.length <= MAX_CELLS) {
      // Everything fits in the root: it is the one leaf.
      level = this.block;
      const link = db.prepare(`INSERT INTO "${name}_rowid" VALUES (?, ?)`);
      try {
        for (const c of level) link.run([c.id, 1]);
      } finally {
        link.finalize();
      }
    } else {
      this.flushBlock();
      level = this.leaves;
      depth = 1;
      while (level.length > MAX_CELLS) {
        level = this.pack(level, depth);
        depth++;
      }
      const link = db.prepare(`INSERT INTO "${name}_parent" VALUES (?, ?)`);
      try {
        for (const c of level) link.run([c.id, 1]);
      } finally {
        link.finalize();
      }
    }
    db.run(`INSERT INTO "${name}_node" VALUES (1, ?)`, [nodeBlob(str(level), depth)]);
    this.block = [];
    this.leaves = [];
    // The GeoPackage 1.2 triggers (Annex F.3): later inserts, updates and deletes keep the index.
    const t = `"${this.table}"`, c = `"${this.column}"`, r = `"${name}"`;
    const ins = `INSERT OR REPLACE INTO ${r} VALUES (NEW."fid", ST_MinX(NEW.${c}), ST_MaxX(NEW.${c}), ST_MinY(NEW.${c}), ST_MaxY(NEW.${c}))`;
    db.exec(`
      CREATE TRIGGER "${name}_insert" AFTER INSERT ON ${t} WHEN (new.${c} NOT NULL AND NOT ST_IsEmpty(NEW.${c}))
        BEGIN ${ins}; END;
      CREATE TRIGGER "${name}_update1" AFTER UPDATE OF ${c} ON ${t} WHEN OLD."fid" = NEW."fid" AND (NEW.${c} NOTNULL AND NOT ST_IsEmpty(NEW.${c}))
        BEGIN ${ins}; END;
      CREATE TRIGGER "${name}_update2" AFTER UPDATE OF ${c} ON ${t} WHEN OLD."fid" = NEW."fid" AND (NEW.${c} ISNULL OR ST_IsEmpty(NEW.${c}))
        BEGIN DELETE FROM ${r} WHERE id = OLD."fid"; END;
      CREATE TRIGGER "${name}_update3" AFTER UPDATE ON ${t} WHEN OLD."fid" != NEW."fid" AND (NEW.${c} NOTNULL AND NOT ST_IsEmpty(NEW.${c}))
        BEGIN DELETE FROM ${r} WHERE id = OLD."fid"; ${ins}; END;
      CREATE TRIGGER "${name}_update4" AFTER UPDATE ON ${t} WHEN OLD."fid" != NEW."fid" AND (NEW.${c} ISNULL OR ST_IsEmpty(NEW.${c}))
        BEGIN DELETE FROM ${r} WHERE id IN (OLD."fid", NEW."fid"); END;
      CREATE TRIGGER "${name}_delete" AFTER DELETE ON ${t} WHEN old.${c} NOT NULL
        BEGIN DELETE FROM ${r} WHERE id = OLD."fid"; END;
    `);
    db.run(`INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')`, [this.table, this.column]);
    // Declared last: this connection has no rtree module and must not touch the table itself.
    db.exec('PRAGMA writable_schema = ON');
    db.run(`INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', ?, ?, 0, ?)`,
      [name, name, `CREATE VIRTUAL TABLE "${name}" USING rtree(id, minx, maxx, miny, maxy)`]);
    db.exec('PRAGMA writable_schema = OFF');
  }

  get count(): number {
    return this.rows;
  }
}
