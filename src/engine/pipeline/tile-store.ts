/**
 * The seam between the tile pipeline and wherever finished tiles' raw model results are kept: a
 * resumable run asks the store before running the model on a tile and hands it each fresh result; a
 * queue worker writes into the same store that the merging parent reads. The store is opened for one
 * job (raster identity, model file hash and the parameters that change the result are bound then), so
 * a tile is named by its window alone.
 */
import type { Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';

export interface TileResultStore {
  /** The finished result of this tile, or null when missing, corrupt or of another version (recompute). */
  get(tile: Tile): Promise<SegmentResult | null>;
  /** Persist a finished tile. A failure (full disk, read-only store) degrades to "not stored": never throws. */
  put(tile: Tile, result: SegmentResult): Promise<void>;
}
