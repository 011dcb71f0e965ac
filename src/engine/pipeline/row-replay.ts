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
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../cache/keys.js';
import { codeFingerprint } from '../cache/code-fingerprint.js';
import { decodeRowOutput, encodeRowOutput } from '../cache/row-output.js';
import type { Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';
import type { TileResultStore } from './tile-store.js';

type RowStore = Required<Pick<TileResultStore, 'takeDigest' | 'getRow' | 'putRow'>>;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class RowReplay<T> {
  private chain: string;
  private row: string[] = [];
  private broken = false;

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
    this.row.push(`${tile.index}:${tile.window.join(',')}:${result ? d : '-'}`);
  }

  /** Closes the current row: its key, or null once a tile had no record checksum. */
  endRow(): string | null {
    this.chain = sha256(`${this.chain}\n${this.row.join('\n')}`);
    this.row = [];
    return this.broken ? null : this.chain;
  }

  async get(key: string): Promise<T[] | null> {
    const payload = await this.store.getRow(key).catch(() => null);
    return payload ? decodeRowOutput<T>(payload) : null;
  }

  async put(key: string, items: readonly T[]): Promise<void> {
    await this.store.putRow(key, encodeRowOutput(items)).catch(() => {});
  }
}
