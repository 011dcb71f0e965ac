/**
 * Finished output per tile row, replayed from the tile store (pipeline/tile-store.ts).
 *
 * extract vectorizes after each tile row: what a row produces depends on every tile record up to it
 * (objects wait across rows at the seams), on where the next row starts (the seam merge finishes the
 * objects above it) and on every output setting. So row r is named by a chain,
 *
 *   key(0) = sha256(settings + engine code fingerprint + ROW_FORMAT),
 *   key(r) = sha256(key(r-1) + row r's tiles + row r's edge),
 *
 * where a tile enters as its index, window and record checksum, and the edge is where the tiles after
 * the row start (Infinity after the last row). A rerun that finds key(r) skips tracing and shaping
 * row r (seam merging still runs, so the rows after a missing one are computed exactly as in an
 * uninterrupted run); a recomputed tile, another setting, another tiling or another engine build gives
 * other keys. Rows are cached only while every tile so far has a record checksum.
 *
 * A record holds the row's features ("the features row r produced, before ids, in production order")
 * and, first, its counts and its release watermark: the row above which, after this row, no building
 * still to come can start (extract's position order, pipeline/position-order.ts). Streaming needs it
 * to release a replayed row's features at the same point as a computed one.
 *
 * `planAll` + `readRow` are the fully cached rerun: when every tile's record checks out and every
 * row's record is there, the rows are replayed one by one without decoding a single mask (no seam
 * merge either), so only about one row of features is held.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../cache/keys.js';
import { throwIfAborted } from '../errors.js';
import { codeFingerprint } from '../cache/code-fingerprint.js';
import { decodeRowOutput, encodeRowOutput } from '../cache/row-output.js';
import type { Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';
import type { TileResultStore } from './tile-store.js';

/**
 * Bump when a row record's content changes meaning: rows written under another format get other keys
 * and are recomputed (the LRU bound evicts them). 2: the release watermark, the row's edge in the key.
 */
export const ROW_FORMAT = 2;

type RowStore = Required<Pick<TileResultStore, 'takeDigest' | 'getRow' | 'putRow'>> & Pick<TileResultStore, 'digestOf' | 'hasRow'>;

/** A row's counts (what extract reports besides features), stored as the first item of its record. */
interface RowCounts {
  detections: number;
  validTiles: number;
}

/** The first item of a record: the counts and the release watermark (null: Infinity, release all). */
interface RowHead extends RowCounts {
  release: number | null;
}

/** A stored row: its features in production order, its counts and where the position order released after it. */
export interface StoredRow<T> {
  items: T[];
  counts: RowCounts;
  release: number;
}

const entry = (tile: Tile, digest: string | undefined | null, result: boolean): string => `${tile.index}:${tile.window.join(',')}:${result ? digest : '-'}`;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const link = (chain: string, entries: readonly string[], edge: string): string => sha256(`${chain}\n${entries.join('\n')}\n>${edge}`);

export class RowReplay<T> {
  private chain: string;
  private row: string[] = [];
  private broken = false;
  private counts: RowCounts = { detections: 0, validTiles: 0 };
  private closed: RowCounts = { detections: 0, validTiles: 0 };

  private constructor(private readonly store: RowStore, settings: Record<string, unknown>, code: string) {
    this.chain = sha256(canonicalJson({ settings, code, rows: ROW_FORMAT }));
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

  /** Closes the current row (`edge`: where the tiles after it start, as extract names it): its key, or null once a tile had no record checksum. */
  endRow(edge: string): string | null {
    this.chain = link(this.chain, this.row, edge);
    this.row = [];
    this.closed = this.counts;
    this.counts = { detections: 0, validTiles: 0 };
    return this.broken ? null : this.chain;
  }

  /** A stored row, or null (missing, refused, or not a row of this format): compute it. */
  async readRow(key: string): Promise<StoredRow<T> | null> {
    const payload = await this.store.getRow(key).catch(() => null);
    const all = payload ? decodeRowOutput<unknown>(payload) : null;
    const h = all?.[0] as RowHead | undefined;
    if (!all || !h || typeof h.detections !== 'number' || typeof h.validTiles !== 'number') return null;
    if (!(h.release === null || typeof h.release === 'number')) return null;
    return { items: all.slice(1) as T[], counts: { detections: h.detections, validTiles: h.validTiles }, release: h.release ?? Infinity };
  }

  /** Stores the row endRow just named, with the watermark released after it. */
  async put(key: string, items: readonly T[], release: number): Promise<void> {
    const head: RowHead = { ...this.closed, release: Number.isFinite(release) ? release : null };
    await this.store.putRow(key, encodeRowOutput([head, ...items])).catch(() => {});
  }

  /**
   * The keys of every row of `tiles` (in tile order), when every tile's record checks out and every
   * row is stored; else null (run the tiles). Reads no row: the caller replays them one by one with
   * readRow (and recomputes if one no longer checks out). Checks row by row, so a first rerun with new
   * settings gives up after one row's records. `edgeAfter(j)`: the edge of a row whose last tile is j - 1
   * (as given to endRow). Each row comes with the index after its last tile.
   */
  async planAll(tiles: readonly Tile[], edgeAfter: (j: number) => string, signal?: AbortSignal): Promise<{ key: string; end: number }[] | null> {
    const { digestOf, hasRow } = this.store;
    if (!digestOf || !hasRow) return null;
    let chain = this.chain;
    const keys: { key: string; end: number }[] = [];
    for (let i = 0; i < tiles.length;) {
      throwIfAborted(signal);
      let j = i;
      while (j < tiles.length && tiles[j].row === tiles[i].row) j++;
      const row = tiles.slice(i, j);
      const digests = await Promise.all(row.map((t) => digestOf.call(this.store, t).catch(() => null)));
      if (digests.some((d) => !d)) return null;
      chain = link(chain, row.map((t, n) => entry(t, digests[n], true)), edgeAfter(j));
      if (!(await hasRow.call(this.store, chain).catch(() => false))) return null;
      keys.push({ key: chain, end: j });
      i = j;
    }
    return keys;
  }
}
