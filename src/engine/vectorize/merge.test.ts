import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeFinished, mergeSeams, sharedIoU, touchesInnerEdge } from './merge.js';
import type { Candidate, MergedObject } from './merge.js';
import { tileGrid } from '../raster/tiling.js';
import type { PixelWindow } from '../raster/open.js';
import type { CroppedMask } from '../types.js';
import { rectMask, rng } from '../testing/fixture-masks.js';

/**
 * Ground truth made by hand: non-overlapping rectangles on a 1300×1000 raster, seen through a tile
 * grid (400 px, overlap 100) the way a tiled detector sees them: each tile reports the part of every
 * rectangle inside it. Whatever the merge does, it must give back exactly the rectangles.
 */
function scene(seed: number): { rects: PixelWindow[]; cands: Candidate[]; tiles: ReturnType<typeof tileGrid> } {
  const area: PixelWindow = [0, 0, 1300, 1000];
  const rand = rng(seed);
  const rects: PixelWindow[] = [];
  while (rects.length < 60) {
    const w = 10 + Math.floor(rand() * 180);
    const h = 10 + Math.floor(rand() * 180);
    const x = Math.floor(rand() * (1300 - w));
    const y = Math.floor(rand() * (1000 - h));
    const r: PixelWindow = [x, y, x + w, y + h];
    // 2 px apart at least, so that no two rectangles are one object.
    if (rects.every((o) => r[0] >= o[2] + 2 || o[0] >= r[2] + 2 || r[1] >= o[3] + 2 || o[1] >= r[3] + 2)) rects.push(r);
  }
  const tiles = tileGrid(area, [400, 400], 100);
  const cands: Candidate[] = [];
  for (const t of tiles) {
    for (const r of rects) {
      const c: PixelWindow = [Math.max(r[0], t.window[0]), Math.max(r[1], t.window[1]), Math.min(r[2], t.window[2]), Math.min(r[3], t.window[3])];
      if (c[2] <= c[0] || c[3] <= c[1]) continue;
      const mask = rectMask(c[0], c[1], c[2], c[3]);
      cands.push({ tile: t.index, tileWindow: t.window, score: 0.5 + rand() * 0.5, mask, area: mask.width * mask.height, cut: touchesInnerEdge(mask, t.window, area) });
    }
  }
  return { rects, cands, tiles };
}

const boxes = (objs: MergedObject[]): string[] => objs.map((o) => `${o.mask.x},${o.mask.y},${o.mask.x + o.mask.width},${o.mask.y + o.mask.height}`).sort();

test('seam merge gives back exactly the hand-made rectangles, whole or cut by tile edges', () => {
  const { rects, cands } = scene(7);
  const merged = mergeSeams(cands);
  assert.ok(cands.length > rects.length * 1.5, `${cands.length} detections for ${rects.length} objects: the scene must have duplicates and cuts`);
  assert.deepEqual(boxes(merged), rects.map((r) => r.join(',')).sort());
  for (const o of merged) assert.equal(o.area, o.mask.width * o.mask.height);
});

test('mergeFinished row by row equals mergeSeams over all, holding about one tile row of masks', () => {
  for (const seed of [7, 11, 23]) {
    const { cands, tiles } = scene(seed);
    const all = mergeSeams(cands);
    let pending: Candidate[] = [];
    const done: MergedObject[] = [];
    let maxHeld = 0;
    for (let k = 0; k < tiles.length; k++) {
      pending.push(...cands.filter((c) => c.tile === tiles[k].index));
      maxHeld = Math.max(maxHeld, pending.length);
      if (k + 1 === tiles.length || tiles[k + 1].row !== tiles[k].row) {
        const limitY = k + 1 < tiles.length ? tiles[k + 1].window[1] : Infinity;
        const r = mergeFinished(pending, limitY);
        pending = r.pending;
        done.push(...r.done);
      }
    }
    assert.equal(pending.length, 0);
    assert.deepEqual(boxes(done), boxes(all), `seed ${seed}`);
    assert.deepEqual(done.map((o) => o.score).sort(), all.map((o) => o.score).sort());
    const rows = new Set(tiles.map((t) => t.row)).size;
    assert.ok(maxHeld < cands.length * (2.5 / rows), `held at most ${maxHeld} of ${cands.length} detections over ${rows} rows`);
  }
});

test('sharedIoU scans only the set pixels\' boxes: the same value with or without setBox (hand-counted pixels as the reference)', () => {
  const rand = rng(7);
  // Random blobs in padded bitmaps (the decode's masks are mostly margin), their setBox computed here.
  const blob = (x: number, y: number, w: number, h: number): CroppedMask => {
    const data = new Uint8Array(w * h);
    let sx0 = w, sy0 = h, sx1 = 0, sy1 = 0;
    const cx = w * (0.3 + 0.4 * rand()), cy = h * (0.3 + 0.4 * rand()), r = Math.min(w, h) * (0.1 + 0.3 * rand());
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) {
      if ((i - cx) ** 2 + (j - cy) ** 2 > r * r) continue;
      data[j * w + i] = 1;
      sx0 = Math.min(sx0, i); sy0 = Math.min(sy0, j); sx1 = Math.max(sx1, i + 1); sy1 = Math.max(sy1, j + 1);
    }
    return { x, y, width: w, height: h, data, setBox: sx1 > sx0 ? [sx0, sy0, sx1, sy1] : [0, 0, 0, 0] };
  };
  // Reference: count pixels in global coordinates, one by one.
  const at = (m: CroppedMask, gx: number, gy: number): number =>
    gx >= m.x && gx < m.x + m.width && gy >= m.y && gy < m.y + m.height ? m.data[(gy - m.y) * m.width + gx - m.x] : 0;
  let nonZero = 0;
  for (let k = 0; k < 300; k++) {
    const a = blob(Math.floor(rand() * 60), Math.floor(rand() * 60), 20 + Math.floor(rand() * 60), 20 + Math.floor(rand() * 60));
    const b = blob(Math.floor(rand() * 60), Math.floor(rand() * 60), 20 + Math.floor(rand() * 60), 20 + Math.floor(rand() * 60));
    const s: PixelWindow = [Math.floor(rand() * 40), Math.floor(rand() * 40), 60 + Math.floor(rand() * 80), 60 + Math.floor(rand() * 80)];
    let inter = 0, uni = 0;
    for (let gy = s[1]; gy < s[3]; gy++) for (let gx = s[0]; gx < s[2]; gx++) {
      const p = at(a, gx, gy), q = at(b, gx, gy);
      inter += p & q;
      uni += p | q;
    }
    const want = inter === 0 ? 0 : inter / uni;
    assert.equal(sharedIoU(a, b, s), want, `pair ${k}`);
    assert.equal(sharedIoU({ ...a, setBox: undefined }, { ...b, setBox: undefined }, s), want, `pair ${k} without setBox`);
    if (want > 0) nonZero++;
  }
  assert.ok(nonZero > 30, `${nonZero} overlapping pairs`);
});
