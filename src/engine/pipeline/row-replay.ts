/**
 * Finished output per tile row, replayed from the tile store (pipeline/tile-store.ts).
 *
 * extract vectorizes after each tile row: what a row produces depends on every tile record up to it
 * (objects wait across rows at the seams) and on every output setting. So row r is named by a chain,
 *
 *   key(0) = sha256(settings + engine code fingerprint),  key(r) = sha256(key(r-1) + row r's tiles),
 *
 * where a tile enters as its index, window and record checksum. A rerun that finds key(r) skips
 * tracing and shaping row r (seam merging still runs, so the rows after a missing one are computed
 * exactly as in an uninterrupted run); a recomputed tile, another setting or another engine build gives
 * other keys. Rows are cached only while every tile so far has a record checksum.
 *
 * `replayAll` is the fully cached rerun: when every tile's record checks out and every row's record
 * is there, the rows are replayed without decoding a single mask (no seam merge either).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../cache/keys.js';
import { throwIfAborted } from '../errors.js';
import { codeFingerprint } from '../cache/code-fingerprint.js';
import { decodeRowOutput, encodeRowOutput } from '../cache/row-output.js';
import type { Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';
import type { TileResultStore } from './tile-store.js';

type RowStore = Required<Pick<TileResultStore, 'takeDigest' | 'getRow' | 'putRow'>> & Pick<TileResultStore, 'digestOf' | 'hasRow'>;

/** A row's counts (what extract reports besides features), stored as the first item of its record. */
interface RowCounts {
  detections: number;
  validTiles: number;
}

const entry = (tile: Tile, digest: string | undefined | null, result: boolean): string => `${tile.index}:${tile.window.join(',')}:${result ? digest : '-'}`;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class RowReplay<T> {
  private chain: string;
  private row: string[] = [];
  private broken = false;
  private counts: RowCounts = { detections: 0, validTiles: 0 };
  private closed: RowCounts = { detections: 0, validTiles: 0 };

  private constructor(private readonly store: RowStore, settings: Record<string, unknown>, code: string) {
    this.chain = sha256(canonicalJson({ settings, code, rows: 1 }));
  }

  /** Null when the store keeps no rows (or the engine's code cannot be fingerprinted). */
  static open<T>(store: TileResultStore | undefined, settings: Record<string, unknown>): RowReplay<T> | null {
    const code = codeFingerprint();
    if (!store?.takeDigest || !store.getRow || !store.putRow || !code) return null;
    return new RowReplay<T>(store as RowStore, settings, code);
  }

  /** A tile of the current row, as the pipeline yields it (result null: all nodata). */
  addTile(tile: Tile, result: SegmentResult | null): void {
    const d = this.store.takeDigest(tile);
    if (result && !d) this.broken = true;
    this.row.push(entry(tile, d, result !== null));
    if (result) {
      this.counts.detections += result.detections.length;
      this.counts.validTiles++;
    }
  }

  /** Closes the current row: its key, or null once a tile had no record checksum. */
  endRow(): string | null {
    this.chain = sha256(`${this.chain}\n${this.row.join('\n')}`);
    this.row = [];
    this.closed = this.counts;
    this.counts = { detections: 0, validTiles: 0 };
    return this.broken ? null : this.chain;
  }

  private async read(key: string): Promise<{ counts: RowCounts; items: T[] } | null> {
    const payload = await this.store.getRow(key).catch(() => null);
    const all = payload ? decodeRowOutput<unknown>(payload) : null;
    const c = all?.[0] as RowCounts | undefined;
    if (!all || !c || typeof c.detections !== 'number' || typeof c.validTiles !== 'number') return null;
    return { counts: c, items: all.slice(1) as T[] };
  }

  /** The features of a finished row (the one endRow just named), or null: compute it. */
  async get(key: string): Promise<T[] | null> {
    return (await this.read(key))?.items ?? null;
  }

  /** Stores the row endRow just named. */
  async put(key: string, items: readonly T[]): Promise<void> {
    await this.store.putRow(key, encodeRowOutput([this.closed, ...items])).catch(() => {});
  }

  /**
   * Every row of `tiles` (in tile order), when every tile's record checks out and every row is stored;
   * else null (run the tiles). Checks row by row, so a first rerun with new settings gives up after
   * one row's records.
   */
  async replayAll(tiles: readonly Tile[], signal?: AbortSignal): Promise<{ items: T[]; detections: number; validTiles: number } | null> {
    const { digestOf, hasRow } = this.store;
    if (!digestOf || !hasRow) return null;
    let chain = this.chain;
    const keys: string[] = [];
    for (let i = 0; i < tiles.length;) {
      throwIfAborted(signal);
      let j = i;
      while (j < tiles.length && tiles[j].row === tiles[i].row) j++;
      const row = tiles.slice(i, j);
      const digests = await Promise.all(row.map((t) => digestOf.call(this.store, t).catch(() => null)));
      if (digests.some((d) => !d)) return null;
      chain = sha256(`${chain}\n${row.map((t, n) => entry(t, digests[n], true)).join('\n')}`);
      if (!(await hasRow.call(this.store, chain).catch(() => false))) return null;
      keys.push(chain);
      i = j;
    }
    const out = { items: [] as T[], detections: 0, validTiles: 0 };
    for (const key of keys) {
      const r = await this.read(key);
      if (!r) return null;
      for (const x of r.items) out.items.push(x);
      out.detections += r.counts.detections;
      out.validTiles += r.counts.validTiles;
    }
    return out;
  }
}
