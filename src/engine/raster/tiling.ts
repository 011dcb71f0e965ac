/**
 * Tile grids: square tiles of the model's input size with overlap, covering a pixel window. The last
 * tile of a row/column is shifted back inside the window (so no tile is padded unless the window is
 * smaller than a tile). Pure.
 *
 * Planning is lazy: a grid holds only its column and row starts (O(rows + columns) numbers) and makes
 * each Tile when it is asked for, so planning a 100000² raster (609,961 tiles) allocates nothing per
 * tile, and an absurd size (a 65 KB TIFF declaring 2^31 × 2^31 px) is refused with TOO_LARGE instead of
 * exhausting the heap. `tileGrid` returns the grid as a read-only array view (index, length, for…of,
 * filter/map all work), so callers written against Tile[] keep working.
 */
import { EngineError } from '../errors.js';
import type { PixelWindow } from './open.js';

/** Most tiles one grid may have (documented in the README, section limits). */
export const MAX_TILES = 10_000_000;

export interface Tile {
  /** 0-based index in row-major order. */
  index: number;
  row: number;
  col: number;
  /** The tile's pixels in the full raster, [x0, y0, x1, y1]. */
  window: PixelWindow;
}

function countStarts(lo: number, hi: number, size: number, stride: number): number {
  const span = hi - lo;
  if (span <= size) return 1;
  // starts lo, lo+stride, ... while s + size < hi, then hi - size if it is not the last one
  const n = Math.ceil((hi - size - lo) / stride);
  return n + 1;
}

function startAt(lo: number, hi: number, size: number, stride: number, count: number, i: number): number {
  if (i === count - 1) return Math.max(lo, hi - size);
  return lo + i * stride;
}

/** A lazily evaluated tile grid: O(1) memory whatever its size. */
export class TileGrid {
  readonly rows: number;
  readonly cols: number;
  readonly length: number;
  private readonly xStride: number;
  private readonly yStride: number;

  constructor(readonly window: PixelWindow, readonly size: [number, number], readonly overlap: number, maxTiles = MAX_TILES) {
    const [tw, th] = size;
    if (!(Number.isInteger(tw) && Number.isInteger(th) && tw > 0 && th > 0)) {
      throw new EngineError('BAD_INPUT', `tile size: got ${tw}×${th}, expected positive integers`);
    }
    if (!(Number.isInteger(overlap) && overlap >= 0 && overlap < Math.min(tw, th))) {
      throw new EngineError('BAD_INPUT', `overlap: got ${overlap}, expected an integer in 0..${Math.min(tw, th) - 1}`);
    }
    const [x0, y0, x1, y1] = window;
    if (![x0, y0, x1, y1].every(Number.isSafeInteger) || x1 <= x0 || y1 <= y0) {
      throw new EngineError('BAD_INPUT', `window: got [${window.join(', ')}], expected integers [x0, y0, x1, y1] with x1 > x0, y1 > y0`);
    }
    this.xStride = tw - overlap;
    this.yStride = th - overlap;
    this.cols = countStarts(x0, x1, tw, this.xStride);
    this.rows = countStarts(y0, y1, th, this.yStride);
    const n = this.rows * this.cols;
    if (!(n <= maxTiles)) {
      throw new EngineError('TOO_LARGE', `the area ${x1 - x0}×${y1 - y0} px needs ${n.toLocaleString('en-US')} tiles of ${tw}×${th} (overlap ${overlap}), more than the limit of ${maxTiles.toLocaleString('en-US')}: give a window or extent, or a larger tile size`);
    }
    this.length = n;
  }

  /** The k-th tile in row-major order. */
  at(k: number): Tile {
    if (!(Number.isInteger(k) && k >= 0 && k < this.length)) throw new RangeError(`tile index ${k} outside 0..${this.length - 1}`);
    const row = Math.floor(k / this.cols);
    const col = k - row * this.cols;
    const [x0, y0, x1, y1] = this.window;
    const [tw, th] = this.size;
    const x = startAt(x0, x1, tw, this.xStride, this.cols, col);
    const y = startAt(y0, y1, th, this.yStride, this.rows, row);
    return { index: k, row, col, window: [x, y, Math.min(x + tw, x1), Math.min(y + th, y1)] };
  }

  *[Symbol.iterator](): IterableIterator<Tile> {
    for (let k = 0; k < this.length; k++) yield this.at(k);
  }

  /** A read-only Tile[] view of the grid; tiles are made on access. */
  asArray(): Tile[] {
    const grid = this;
    const isIndex = (p: string | symbol): p is string => typeof p === 'string' && /^(0|[1-9]\d*)$/.test(p);
    return new Proxy([] as Tile[], {
      get(target, p, receiver) {
        if (p === 'length') return grid.length;
        if (isIndex(p)) return Number(p) < grid.length ? grid.at(Number(p)) : undefined;
        return Reflect.get(target, p, receiver);
      },
      has(target, p) {
        if (isIndex(p)) return Number(p) < grid.length;
        return Reflect.has(target, p);
      },
      getOwnPropertyDescriptor(target, p) {
        if (isIndex(p) && Number(p) < grid.length) return { value: grid.at(Number(p)), writable: false, enumerable: true, configurable: true };
        return Reflect.getOwnPropertyDescriptor(target, p);
      },
      ownKeys(target) {
        if (grid.length > 1_000_000) throw new EngineError('TOO_LARGE', `cannot list the keys of a ${grid.length}-tile grid`);
        return [...Array.from({ length: grid.length }, (_, i) => String(i)), ...Reflect.ownKeys(target).filter((k) => k !== 'length'), 'length'];
      },
      set() {
        throw new TypeError('a tile grid is read-only');
      },
      deleteProperty() {
        throw new TypeError('a tile grid is read-only');
      },
    });
  }
}

/** The tiles covering `window`, as a lazy read-only array (see TileGrid). TOO_LARGE past MAX_TILES. */
export function tileGrid(window: PixelWindow, size: [number, number], overlap: number): Tile[] {
  return new TileGrid(window, size, overlap).asArray();
}
