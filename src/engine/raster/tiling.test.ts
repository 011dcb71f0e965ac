// Regression (issue 18): planning a 2^31 × 2^31 px raster built one Tile object per tile and killed the
// process (heap out of memory); grids are now lazy and bounded (TOO_LARGE past MAX_TILES).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../errors.js';
import { MAX_TILES, TileGrid, tileGrid } from './tiling.js';
import type { PixelWindow } from './open.js';

/** The eager reference (the grid as it was first written), an independent computation. */
function eager(window: PixelWindow, [tw, th]: [number, number], overlap: number): PixelWindow[] {
  const starts = (lo: number, hi: number, size: number, stride: number): number[] => {
    if (hi - lo <= size) return [lo];
    const out: number[] = [];
    for (let s = lo; s + size < hi; s += stride) out.push(s);
    if (out[out.length - 1] !== hi - size) out.push(hi - size);
    return out;
  };
  const xs = starts(window[0], window[2], tw, tw - overlap);
  const ys = starts(window[1], window[3], th, th - overlap);
  return ys.flatMap((y) => xs.map((x): PixelWindow => [x, y, Math.min(x + tw, window[2]), Math.min(y + th, window[3])]));
}

test('the lazy grid equals the eager reference on 300 random windows, sizes and overlaps', () => {
  let seed = 11;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  for (let i = 0; i < 300; i++) {
    const tw = 1 + rnd(300);
    const size: [number, number] = [tw, rnd(2) ? tw : 1 + rnd(300)];
    const overlap = rnd(Math.min(...size));
    const x0 = rnd(500);
    const y0 = rnd(500);
    const w: PixelWindow = [x0, y0, x0 + 1 + rnd(2000), y0 + 1 + rnd(2000)];
    const lazy = tileGrid(w, size, overlap);
    const ref = eager(w, size, overlap);
    assert.equal(lazy.length, ref.length, JSON.stringify({ w, size, overlap }));
    assert.deepEqual(lazy.map((t) => t.window), ref);
    const k = rnd(ref.length);
    assert.deepEqual(lazy[k].window, ref[k]);
    assert.equal(lazy[k].index, k);
  }
});

test('a 100000² raster plans 609,961 tiles without making them; a 2^31² raster is TOO_LARGE at once', () => {
  const grid = new TileGrid([0, 0, 100_000, 100_000], [256, 256], 128);
  assert.equal(grid.length, 781 * 781);
  assert.equal(grid.length, 609_961);
  assert.deepEqual(grid.at(grid.length - 1).window, [99_744, 99_744, 100_000, 100_000]);
  const arr = tileGrid([0, 0, 100_000, 100_000], [256, 256], 128);
  assert.equal(arr.length, 609_961);
  assert.equal(arr[609_960].row, 780);
  let n = 0;
  for (const t of grid) n += t.index >= 0 ? 1 : 0;
  assert.equal(n, 609_961);
  assert.throws(() => tileGrid([0, 0, 2 ** 31, 2 ** 31], [1024, 1024], 128), (e: unknown) => e instanceof EngineError && e.code === 'TOO_LARGE' && /limit of 10,000,000/.test(e.message));
  assert.equal(MAX_TILES, 10_000_000);
  assert.throws(() => { (arr as Array<unknown>)[0] = 1; }, TypeError);
});
