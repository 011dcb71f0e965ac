/**
 * Instance masks as runs of set pixels per row, and the contact of two masks (overlap, nearness) from
 * those runs: vectorize/wall-grid's pairs() compares every nearby pair of a tile's masks, and building
 * outlines have a run or two per row where their boxes have a hundred pixels.
 */
import type { CroppedMask } from '../types.js';

type Box = [number, number, number, number];

/**
 * A mask as runs of set pixels per row (global pixels): row y (y0 ≤ y < y1) holds the runs
 * xs[2k] ≤ x < xs[2k + 1] for start[y - y0] ≤ k < start[y - y0 + 1]. With its pixel count and the tight
 * box [x0, y0, x1, y1) of the set pixels (empty: x0 > x1). Building outlines have a run or two per row,
 * so contactRuns compares runs, not pixels.
 */
export interface MaskRuns {
  area: number;
  tight: Box;
  y0: number;
  start: Int32Array;
  xs: Int32Array;
}

/** The mask's setBox (mask-local set-pixel box) when it lies inside the bitmap, else null (unknown or bad). */
export function knownSetBox(m: CroppedMask): Box | null {
  const b = m.setBox;
  return b && b[0] >= 0 && b[1] >= 0 && b[2] <= m.width && b[3] <= m.height ? b : null;
}

const grow = (xs: Int32Array): Int32Array => {
  const g = new Int32Array(xs.length * 2);
  g.set(xs);
  return g;
};

export function maskRuns(m: CroppedMask): MaskRuns {
  const { data, width, height } = m;
  const start = new Int32Array(height + 1);
  let xs: Int32Array = new Int32Array(64);
  let n = 0, a = 0;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  // Four pixels at a time where the mask is empty (most of a detection box is): words of the data
  // that are 0 are skipped.
  const words = data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, data.length >> 2) : null;
  // Rows and columns outside the set pixels' box, where the decode gave it, are not scanned.
  const known = knownSetBox(m);
  const cx0 = known ? known[0] : 0, cx1 = known ? known[2] : width;
  const ry0 = known ? known[1] : 0, ry1 = known ? known[3] : height;
  for (let r = 0; r < height; r++) {
    start[r] = n >> 1;
    if (r < ry0 || r >= ry1) continue;
    const row = r * width, end = row + cx1;
    let i = row + cx0;
    while (i < end) {
      // Background up to the next set pixel: bytes up to a word boundary, then zero words, then bytes.
      if (words) {
        while (i < end && (i & 3) !== 0 && !data[i]) i++;
        if ((i & 3) === 0) while (i + 4 <= end && words[i >> 2] === 0) i += 4;
      }
      while (i < end && !data[i]) i++;
      if (i >= end) break;
      const s = i;
      while (i < end && data[i]) i++;
      if (n + 2 > xs.length) xs = grow(xs);
      xs[n++] = m.x + s - row;
      xs[n++] = m.x + i - row;
    }
  }
  start[height] = n >> 1;
  // Count and tight box from the runs.
  for (let r = 0; r < height; r++) {
    const k0 = start[r], k1 = start[r + 1];
    if (k0 === k1) continue;
    if (r < y0) y0 = r;
    y1 = r + 1;
    if (xs[2 * k0] - m.x < x0) x0 = xs[2 * k0] - m.x;
    if (xs[2 * k1 - 1] - m.x > x1) x1 = xs[2 * k1 - 1] - m.x;
    for (let k = k0; k < k1; k++) a += xs[2 * k + 1] - xs[2 * k];
  }
  return { area: a, tight: [m.x + x0, m.y + y0, m.x + x1, m.y + y1], y0: m.y, start, xs };
}

/**
 * wall-grid's contact() on runs: the same overlap and nearness (some pixel of `a` with a pixel of `b`
 * on it, or 1–2 pixels away along a row or a column), from interval tests on the rows the masks share.
 */
export function contactRuns(a: MaskRuns, b: MaskRuns): { overlap: number; near: boolean } {
  const ax = a.xs, bx = b.xs, as = a.start, bs = b.start;
  const ay0 = a.y0, by0 = b.y0, bRows = bs.length - 1;
  let overlap = 0;
  const oy0 = Math.max(a.tight[1], b.tight[1]), oy1 = Math.min(a.tight[3], b.tight[3]);
  for (let y = oy0; y < oy1; y++) {
    const ka1 = as[y - ay0 + 1], kb1 = bs[y - by0 + 1];
    let ka = as[y - ay0], kb = bs[y - by0];
    while (ka < ka1 && kb < kb1) {
      const s0 = ax[2 * ka], e0 = ax[2 * ka + 1], s1 = bx[2 * kb], e1 = bx[2 * kb + 1];
      const lo = s0 > s1 ? s0 : s1, hi = e0 < e1 ? e0 : e1;
      if (hi > lo) overlap += hi - lo;
      if (e0 < e1) ka++;
      else kb++;
    }
  }
  if (overlap > 0) return { overlap, near: true };
  // No overlap: near when a run of `a` meets a run of `b` on its row widened by 2, or on a row 1–2
  // above or below as it is.
  const ny0 = Math.max(a.tight[1], b.tight[1] - 2), ny1 = Math.min(a.tight[3], b.tight[3] + 2);
  for (let y = ny0; y < ny1; y++) {
    const ka0 = as[y - ay0], ka1 = as[y - ay0 + 1];
    if (ka0 === ka1) continue;
    for (let dy = -2; dy <= 2; dy++) {
      const rb = y + dy - by0;
      if (rb < 0 || rb >= bRows) continue;
      const widen = dy === 0 ? 2 : 0;
      const kb0 = bs[rb], kb1 = bs[rb + 1];
      for (let ka = ka0; ka < ka1; ka++) {
        const s0 = ax[2 * ka] - widen, e0 = ax[2 * ka + 1] + widen;
        for (let kb = kb0; kb < kb1; kb++) if (bx[2 * kb] < e0 && bx[2 * kb + 1] > s0) return { overlap, near: true };
      }
    }
  }
  return { overlap, near: false };
}
