/**
 * The seam between the tile pipeline and wherever finished tiles' raw model results are kept: a
 * resumable run asks the store before running the model on a tile and hands it each fresh result; a
 * queue worker writes into the same store that the merging parent reads. The store is opened for one
 * job (raster identity, model file hash and the parameters that change the result are bound then), so
 * a tile is named by its window alone.
 *
 * A store may also keep what comes after the model: the finished output of each tile row (features
 * before ids), named by a key that chains the rows' tile records and every output setting
 * (pipeline/row-replay.ts). A rerun with the same settings replays those rows instead of tracing and
 * shaping them again; a rerun with other settings gets other keys and still reuses the tile records.
 */
import type { Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';

export interface TileResultStore {
  /** The finished result of this tile, or null when missing, corrupt or of another version (recompute). */
  get(tile: Tile): Promise<SegmentResult | null>;
  /** Persist a finished tile. A failure (full disk, read-only store) degrades to "not stored": never throws. */
  put(tile: Tile, result: SegmentResult): Promise<void>;
  /**
   * The checksum of this tile's record as last read (`get`) or encoded (`put`) here, handed out once.
   * Without it (or undefined for a tile) no finished output is cached for the rows it feeds.
   */
  takeDigest?(tile: Tile): string | undefined;
  /** The checksum of this tile's record when it checks out, without decoding it (null: missing or bad). */
  digestOf?(tile: Tile): Promise<string | null>;
  /** Finished output per tile row, by key; same failure rules as tiles (a bad record is null). */
  hasRow?(key: string): Promise<boolean>;
  getRow?(key: string): Promise<Uint8Array | null>;
  putRow?(key: string, payload: Uint8Array): Promise<void>;
}
