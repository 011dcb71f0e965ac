/**
 * The per-tile result store on disk: a TileResultStore (pipeline/tile-store.ts) for one job, kept in a
 * directory that a resumed run, the server's jobs and queue workers on other machines all share.
 *
 *   <root>/<raster key>/raster.json            what the raster is (source, identity)
 *   <root>/<raster key>/<job key>/job.json     model sha256 + the options that change results
 *   <root>/<raster key>/<job key>/X0_Y0_X1_Y1.tile   one record per tile window (cache/tile-record.ts)
 *   <root>/<raster key>/<job key>/<row key>.row      finished output of one tile row (cache/row-output.ts)
 *
 * Records are written atomically (temp file + fsync + rename), so a crash leaves a whole record or
 * none, and writing the same tile twice (a queue retry) is harmless. A record that does not check out
 * is removed and reported as missing (the tile is recomputed). A write that fails (full disk,
 * read-only store) is reported once through `onWarning` and the run goes on "not cached". The store
 * is bounded (`maxBytes`, counting tile and row records): when it grows past the bound, the least
 * recently used records of other jobs are removed first (a hit touches its record's mtime).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULTS, resultsDir } from '../config.js';
import type { TileResultStore } from '../pipeline/tile-store.js';
import type { PixelWindow } from '../raster/open.js';
import type { Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { cacheKey } from './keys.js';
import type { RasterIdentity } from './store-identity.js';
import { checkTileRecord, decodeTileRecord, encodeTileRecord, openRecord, recordDigest, RECORD_VERSION, ROW_MAGIC, sealRecord } from './tile-record.js';

export interface StoreJob {
  /** The raster as the user named it (path or URL), for `fastsam-geo cache`. */
  source: string;
  raster: RasterIdentity;
  /** sha256 of the model file. */
  model: string;
  /** resultParams(...) of the run. */
  params: Record<string, unknown>;
}

export interface ResultStoreOptions {
  /** Store directory (default resultsDir(): $FASTSAM_GEO_RESULTS or <cache>/results). */
  root?: string;
  /** Size bound in bytes (default DEFAULTS.cache.resultStoreBytes); 0 or Infinity = unbounded. */
  maxBytes?: number;
  /** Told once when a record cannot be written. */
  onWarning?: (message: string) => void;
}

export interface StoreStats {
  /** Tiles found (each window counted once, however often it is read). */
  hits: number;
  misses: number;
  /** Records found but refused (corrupt, truncated, another version): recomputed. */
  bad: number;
  puts: number;
  failedPuts: number;
}

const TILE_EXT = '.tile';
const ROW_EXT = '.row';
const isRecord = (name: string): boolean => name.endsWith(TILE_EXT) || name.endsWith(ROW_EXT);

export function rasterKey(raster: RasterIdentity): string {
  return cacheKey({ raster }).slice(0, 32);
}

export function jobKey(job: Pick<StoreJob, 'model' | 'params'>): string {
  return cacheKey({ model: job.model, params: job.params, record: RECORD_VERSION }).slice(0, 32);
}

const windowName = (w: PixelWindow): string => `${w.join('_')}${TILE_EXT}`;

/** Bytes in use per store root, shared by the stores of one process (the LRU bound's estimate). */
const usage = new Map<string, { bytes: number | null; evicting: Promise<void> | null }>();

export class DirTileStore implements TileResultStore {
  readonly root: string;
  readonly dir: string;
  readonly stats: StoreStats = { hits: 0, misses: 0, bad: 0, puts: 0, failedPuts: 0 };
  /** Finished rows (cache/row-output.ts): replayed, looked up and not found or refused, written. */
  readonly rowStats = { hits: 0, misses: 0, puts: 0 };
  /** Checksums of the records read or written here, until the pipeline takes them (takeDigest). */
  private readonly digests = new Map<string, string>();
  private readonly found = new Set<string>();
  private readonly maxBytes: number;
  private ready: Promise<void> | null = null;
  private warned = false;

  constructor(readonly job: StoreJob, private readonly options: ResultStoreOptions = {}) {
    this.root = path.resolve(options.root ?? resultsDir());
    this.dir = path.join(this.root, rasterKey(job.raster), jobKey(job));
    const max = options.maxBytes ?? DEFAULTS.cache.resultStoreBytes;
    this.maxBytes = max > 0 ? max : Infinity;
  }

  file(window: PixelWindow): string {
    return path.join(this.dir, windowName(window));
  }

  rowFile(key: string): string {
    return path.join(this.dir, `${key}${ROW_EXT}`);
  }

  async get(tile: Tile): Promise<SegmentResult | null> {
    const file = this.file(tile.window);
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch {
      this.stats.misses++;
      return null;
    }
    const r = decodeTileRecord(tile.window, bytes);
    if ('problem' in r) {
      this.stats.bad++;
      this.stats.misses++;
      await fs.rm(file, { force: true }).catch(() => {});
      return null;
    }
    this.hit(tile);
    this.keepDigest(tile, bytes);
    touch(file);
    return r.result;
  }

  /** The checksum of this tile's record when it checks out (its masks are not decoded), else null. */
  async digestOf(tile: Tile): Promise<string | null> {
    const file = this.file(tile.window);
    const bytes = await fs.readFile(file).catch(() => null);
    const d = bytes ? checkTileRecord(tile.window, bytes) : null;
    if (!d) {
      if (bytes) {
        this.stats.bad++;
        await fs.rm(file, { force: true }).catch(() => {});
      }
      return null;
    }
    this.hit(tile);
    touch(file);
    return d;
  }

  private hit(tile: Tile): void {
    const k = tile.window.join('_');
    if (this.found.has(k)) return;
    this.found.add(k);
    this.stats.hits++;
  }

  private keepDigest(tile: Tile, record: Uint8Array): void {
    // Bounded: a queue worker puts tiles and never takes their digests; extract takes them a few tiles later.
    if (this.digests.size >= 4096) this.digests.delete(this.digests.keys().next().value!);
    this.digests.set(tile.window.join('_'), recordDigest(record));
  }

  takeDigest(tile: Tile): string | undefined {
    const k = tile.window.join('_');
    const d = this.digests.get(k);
    this.digests.delete(k);
    return d;
  }

  async put(tile: Tile, result: SegmentResult): Promise<void> {
    let bytes: Uint8Array;
    try {
      // A record names what was computed, not how long it took: without timings, a tile computed again
      // (evicted, refused) gives the same record, so the finished rows after it still replay.
      const timings = Object.fromEntries(Object.keys(result.timings).map((k) => [k, 0])) as unknown as SegmentResult['timings'];
      bytes = encodeTileRecord(tile.window, { ...result, timings });
    } catch {
      return;
    }
    // Known even when the write fails: the rows it feeds are named by what was computed.
    this.keepDigest(tile, bytes);
    if (await this.write(this.file(tile.window), bytes)) this.stats.puts++;
    else this.stats.failedPuts++;
  }

  async hasRow(key: string): Promise<boolean> {
    return exists(this.rowFile(key));
  }

  async getRow(key: string): Promise<Uint8Array | null> {
    const file = this.rowFile(key);
    const bytes = await fs.readFile(file).catch(() => null);
    const r = bytes ? openRecord(ROW_MAGIC, key, bytes) : null;
    if (!r || 'problem' in r) {
      if (r) {
        this.stats.bad++;
        await fs.rm(file, { force: true }).catch(() => {});
      }
      this.rowStats.misses++;
      return null;
    }
    this.rowStats.hits++;
    touch(file);
    return r.payload;
  }

  async putRow(key: string, payload: Uint8Array): Promise<void> {
    if (await this.write(this.rowFile(key), sealRecord(ROW_MAGIC, key, payload))) this.rowStats.puts++;
  }

  /** False when the record could not be written (warned once). */
  private async write(file: string, bytes: Uint8Array): Promise<boolean> {
    try {
      await this.prepare();
      await writeFileAtomic(file, bytes);
      await this.account(bytes.length);
      return true;
    } catch (err) {
      // The directory may be gone (cleared while running): make it again on the next put.
      this.ready = null;
      if (!this.warned) {
        this.warned = true;
        const code = (err as NodeJS.ErrnoException).code;
        this.options.onWarning?.(`result store ${this.root}: cannot write results (${code ?? (err as Error).message}); going on without caching them`);
      }
      return false;
    }
  }

  private prepare(): Promise<void> {
    if (!this.ready) {
      this.ready = (async () => {
        await fs.mkdir(this.dir, { recursive: true });
        const rasterFile = path.join(path.dirname(this.dir), 'raster.json');
        if (!(await exists(rasterFile))) await writeFileAtomic(rasterFile, JSON.stringify({ source: this.job.source, identity: this.job.raster }) + '\n');
        const jobFile = path.join(this.dir, 'job.json');
        if (!(await exists(jobFile))) await writeFileAtomic(jobFile, JSON.stringify({ model: this.job.model, params: this.job.params, record: RECORD_VERSION }) + '\n');
      })();
      this.ready.catch(() => {});
    }
    return this.ready;
  }

  private async account(bytes: number): Promise<void> {
    if (!Number.isFinite(this.maxBytes)) return;
    let u = usage.get(this.root);
    if (!u) usage.set(this.root, (u = { bytes: null, evicting: null }));
    if (u.bytes === null) u.bytes = (await scanTiles(this.root)).reduce((a, f) => a + f.size, 0);
    else u.bytes += bytes;
    if (u.bytes > this.maxBytes && !u.evicting) {
      u.evicting = evict(this.root, this.maxBytes * 0.9, [this.dir])
        .then((left) => { u!.bytes = left; })
        .finally(() => { u!.evicting = null; });
      await u.evicting;
    }
  }
}

function touch(file: string): void {
  const now = new Date();
  void fs.utimes(file, now, now).catch(() => {});
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(() => true, () => false);
}

interface TileFile {
  file: string;
  size: number;
  mtimeMs: number;
  rasterDir: string;
  jobDir: string;
  /** A tile record (not a row record). */
  tile: boolean;
}

/** Every record (tile and row) under a store root. */
export async function scanTiles(root: string): Promise<TileFile[]> {
  const out: TileFile[] = [];
  const dirs = async (p: string): Promise<string[]> => (await fs.readdir(p, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const r of await dirs(root)) {
    const rasterDir = path.join(root, r);
    for (const j of await dirs(rasterDir)) {
      const jobDir = path.join(rasterDir, j);
      for (const name of await fs.readdir(jobDir).catch(() => [] as string[])) {
        if (!isRecord(name)) continue;
        const file = path.join(jobDir, name);
        const st = await fs.stat(file).catch(() => null);
        if (st) out.push({ file, size: st.size, mtimeMs: st.mtimeMs, rasterDir, jobDir, tile: name.endsWith(TILE_EXT) });
      }
    }
  }
  return out;
}

/** Removes least recently used records (not those under `keep`) until at most `target` bytes remain. */
export async function evict(root: string, target: number, keep: string[] = []): Promise<number> {
  const files = await scanTiles(root);
  let total = files.reduce((a, f) => a + f.size, 0);
  const kept = new Set(keep.map((k) => path.resolve(k)));
  const order = files.filter((f) => !kept.has(f.jobDir)).sort((a, b) => a.mtimeMs - b.mtimeMs);
  const touched = new Set<string>();
  for (const f of order) {
    if (total <= target) break;
    await fs.rm(f.file, { force: true });
    total -= f.size;
    touched.add(f.jobDir);
  }
  for (const jobDir of touched) await removeIfEmpty(jobDir);
  return total;
}

async function removeIfEmpty(jobDir: string): Promise<void> {
  const left = (await fs.readdir(jobDir).catch(() => [] as string[])).filter(isRecord);
  if (left.length > 0) return;
  await fs.rm(jobDir, { recursive: true, force: true });
  const rasterDir = path.dirname(jobDir);
  const rest = (await fs.readdir(rasterDir).catch(() => [] as string[])).filter((n) => n !== 'raster.json');
  if (rest.length === 0) await fs.rm(rasterDir, { recursive: true, force: true });
}

export interface RasterUsage {
  key: string;
  source: string;
  tiles: number;
  /** Finished-row records (one per tile row and output setting). */
  rows: number;
  /** Bytes of tile and row records. */
  bytes: number;
  /** Newest record's mtime (last written or read). */
  lastUsed: Date | null;
}

/** Size per raster, largest first. */
export async function storeUsage(root: string = resultsDir()): Promise<RasterUsage[]> {
  const by = new Map<string, RasterUsage>();
  for (const f of await scanTiles(root)) {
    const key = path.basename(f.rasterDir);
    let u = by.get(key);
    if (!u) by.set(key, (u = { key, source: await rasterSource(f.rasterDir), tiles: 0, rows: 0, bytes: 0, lastUsed: null }));
    if (f.tile) u.tiles++;
    else u.rows++;
    u.bytes += f.size;
    if (!u.lastUsed || f.mtimeMs > u.lastUsed.getTime()) u.lastUsed = new Date(f.mtimeMs);
  }
  return [...by.values()].sort((a, b) => b.bytes - a.bytes);
}

async function rasterSource(rasterDir: string): Promise<string> {
  try {
    return String(JSON.parse(await fs.readFile(path.join(rasterDir, 'raster.json'), 'utf8')).source);
  } catch {
    return '?';
  }
}

/**
 * Removes everything, or the results of one raster: `raster` matches the source as it was named
 * (path resolved, or URL) or a raster key from storeUsage. Returns the records and bytes removed.
 */
export async function clearStore(root: string = resultsDir(), raster?: string): Promise<{ tiles: number; bytes: number }> {
  const files = await scanTiles(root);
  let match: (rasterDir: string) => Promise<boolean> = async () => true;
  if (raster !== undefined) {
    const wanted = new Set([raster, /^https?:\/\//i.test(raster) ? raster : path.resolve(raster)]);
    match = async (d) => wanted.has(path.basename(d)) || wanted.has(await rasterSource(d)) || wanted.has(path.resolve(await rasterSource(d)));
  }
  const dirs = [...new Set(files.map((f) => f.rasterDir))];
  let tiles = 0;
  let bytes = 0;
  for (const d of dirs) {
    if (!(await match(d))) continue;
    for (const f of files) if (f.rasterDir === d) { if (f.tile) tiles++; bytes += f.size; }
    await fs.rm(d, { recursive: true, force: true });
  }
  usage.delete(path.resolve(root));
  return { tiles, bytes };
}
