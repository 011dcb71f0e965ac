/**
 * Tile grids: square tiles of the model's input size with overlap, covering a pixel window. The last
 * tile of a row/column is shifted back inside the window (so no tile is padded unless the window is
 * smaller than a tile). Pure.
 */
import { EngineError } from '../errors.js';
import type { PixelWindow } from './open.js';

export interface Tile {
  /** 0-based index in row-major order. */
  index: number;
  row: number;
  col: number;
  /** The tile's pixels in the full raster, [x0, y0, x1, y1]. */
  window: PixelWindow;
}

function starts(lo: number, hi: number, size: number, stride: number): number[] {
  const span = hi - lo;
  if (span <= size) return [lo];
  const out: number[] = [];
  for (let s = lo; s + size < hi; s += stride) out.push(s);
  const last = hi - size;
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

export function tileGrid(window: PixelWindow, size: [number, number], overlap: number): Tile[] {
  const [tw, th] = size;
  if (!(Number.isInteger(tw) && Number.isInteger(th) && tw > 0 && th > 0)) {
    throw new EngineError('BAD_INPUT', `tile size: got ${tw}×${th}, expected positive integers`);
  }
  if (!(Number.isInteger(overlap) && overlap >= 0 && overlap < Math.min(tw, th))) {
    throw new EngineError('BAD_INPUT', `overlap: got ${overlap}, expected an integer in 0..${Math.min(tw, th) - 1}`);
  }
  const [x0, y0, x1, y1] = window;
  const xs = starts(x0, x1, tw, tw - overlap);
  const ys = starts(y0, y1, th, th - overlap);
  const tiles: Tile[] = [];
  ys.forEach((y, row) =>
    xs.forEach((x, col) => {
      tiles.push({ index: tiles.length, row, col, window: [x, y, Math.min(x + tw, x1), Math.min(y + th, y1)] });
    }),
  );
  return tiles;
}
