/**
 * Binary morphology and unions on CroppedMask bitmaps: pure kernels on typed arrays.
 * The structuring element is a (2r+1)×(2r+1) square, applied separably (a row pass then a column
 * pass of running window max/min), so each operation is O(pixels) whatever the radius.
 * Outside a mask's crop the image is 0; close (dilate → erode) pads the crop by r first so that it can
 * grow, open (erode → dilate) never grows. Results are trimmed to their non-empty bounding box.
 */
import type { CroppedMask } from '../types.js';
import { EngineError } from '../errors.js';

/** 1-D running max (dilate) or min (erode) over a window of radius r along rows (axis 0) or columns. */
function pass(src: Uint8Array, w: number, h: number, r: number, horizontal: boolean, max: boolean): Uint8Array {
  const out = new Uint8Array(w * h);
  const n = horizontal ? w : h;
  const lines = horizontal ? h : w;
  const step = horizontal ? 1 : w;
  for (let l = 0; l < lines; l++) {
    const base = horizontal ? l * w : l;
    // Count of ones in the window [i-r, i+r] (pixels outside the bitmap count as 0).
    let ones = 0;
    for (let k = 0; k <= Math.min(r, n - 1); k++) ones += src[base + k * step];
    for (let i = 0; i < n; i++) {
      const lo = i - r;
      const hi = i + r;
      const size = Math.min(hi, n - 1) - Math.max(lo, 0) + 1;
      const full = 2 * r + 1;
      out[base + i * step] = max ? (ones > 0 ? 1 : 0) : ones === full && size === full ? 1 : 0;
      if (lo >= 0) ones -= src[base + lo * step];
      if (hi + 1 < n) ones += src[base + (hi + 1) * step];
    }
  }
  return out;
}

/** Dilation by a (2r+1)² square; pixels outside the w×h bitmap are 0. */
export function dilate(data: Uint8Array, w: number, h: number, r: number): Uint8Array {
  if (r <= 0) return data.slice();
  return pass(pass(data, w, h, r, true, true), w, h, r, false, true);
}

/** Erosion by a (2r+1)² square; pixels outside the w×h bitmap are 0 (so borders erode). */
export function erode(data: Uint8Array, w: number, h: number, r: number): Uint8Array {
  if (r <= 0) return data.slice();
  return pass(pass(data, w, h, r, true, false), w, h, r, false, false);
}

function normalize(m: CroppedMask): Uint8Array {
  const d = new Uint8Array(m.data.length);
  for (let i = 0; i < d.length; i++) d[i] = m.data[i] !== 0 ? 1 : 0;
  return d;
}

/** Shrinks a mask to the bounding box of its set pixels (an empty mask becomes 0×0 at its origin). */
export function trimMask(m: CroppedMask): CroppedMask {
  let x0 = m.width, y0 = m.height, x1 = -1, y1 = -1;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (m.data[y * m.width + x]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  if (x1 < 0) return { x: m.x, y: m.y, width: 0, height: 0, data: new Uint8Array(0) };
  if (x0 === 0 && y0 === 0 && x1 === m.width - 1 && y1 === m.height - 1) return m;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) data.set(m.data.subarray((y + y0) * m.width + x0, (y + y0) * m.width + x0 + w), y * w);
  return { x: m.x + x0, y: m.y + y0, width: w, height: h, data };
}

function pad(m: CroppedMask, p: number): CroppedMask {
  const w = m.width + 2 * p;
  const h = m.height + 2 * p;
  const data = new Uint8Array(w * h);
  const src = normalize(m);
  for (let y = 0; y < m.height; y++) data.set(src.subarray(y * m.width, (y + 1) * m.width), (y + p) * w + p);
  return { x: m.x - p, y: m.y - p, width: w, height: h, data };
}

/** Clips a mask to the image [0, width) × [0, height). */
export function clipMask(m: CroppedMask, width: number, height: number): CroppedMask {
  const x0 = Math.max(0, m.x), y0 = Math.max(0, m.y);
  const x1 = Math.min(width, m.x + m.width), y1 = Math.min(height, m.y + m.height);
  if (x0 === m.x && y0 === m.y && x1 === m.x + m.width && y1 === m.y + m.height) return m;
  const w = Math.max(0, x1 - x0), h = Math.max(0, y1 - y0);
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = (y + y0 - m.y) * m.width + (x0 - m.x);
    data.set(m.data.subarray(row, row + w), y * w);
  }
  return { x: x0, y: y0, width: w, height: h, data };
}

function checkRadius(r: number, name: string): void {
  if (!(Number.isInteger(r) && r >= 0)) throw new EngineError('BAD_INPUT', `${name}: got ${r}, expected an integer ≥ 0`);
}

/** Morphological closing (fills gaps narrower than 2r+1), clipped to the image when its size is given. */
export function closeMask(m: CroppedMask, r: number, image?: { width: number; height: number }): CroppedMask {
  checkRadius(r, 'closeRadius');
  if (r === 0) return m;
  const p = pad(m, r);
  const data = erode(dilate(p.data, p.width, p.height, r), p.width, p.height, r);
  const out = trimMask({ ...p, data });
  return image ? clipMask(out, image.width, image.height) : out;
}

/** Morphological opening (removes parts thinner than 2r+1). */
export function openMask(m: CroppedMask, r: number): CroppedMask {
  checkRadius(r, 'openRadius');
  if (r === 0) return m;
  const p = pad(m, r);
  const data = dilate(erode(p.data, p.width, p.height, r), p.width, p.height, r);
  return trimMask({ ...p, data });
}

/** Union of masks (in image pixels) as one CroppedMask over their joint bounding box. */
export function unionMasks(masks: CroppedMask[]): CroppedMask {
  const nonEmpty = masks.filter((m) => m.width > 0 && m.height > 0);
  if (nonEmpty.length === 0) return { x: 0, y: 0, width: 0, height: 0, data: new Uint8Array(0) };
  const x0 = Math.min(...nonEmpty.map((m) => m.x));
  const y0 = Math.min(...nonEmpty.map((m) => m.y));
  const x1 = Math.max(...nonEmpty.map((m) => m.x + m.width));
  const y1 = Math.max(...nonEmpty.map((m) => m.y + m.height));
  const w = x1 - x0;
  const data = new Uint8Array(w * (y1 - y0));
  for (const m of nonEmpty) {
    for (let y = 0; y < m.height; y++) {
      const dst = (m.y - y0 + y) * w + (m.x - x0);
      const src = y * m.width;
      for (let x = 0; x < m.width; x++) if (m.data[src + x]) data[dst + x] = 1;
    }
  }
  return { x: x0, y: y0, width: w, height: y1 - y0, data };
}

/** Number of set pixels. */
export function countPixels(m: CroppedMask): number {
  let n = 0;
  for (let i = 0; i < m.data.length; i++) if (m.data[i]) n++;
  return n;
}

/** Intersection over union of two masks in the same pixel frame. */
export function maskIoU(a: CroppedMask, b: CroppedMask): number {
  const x0 = Math.max(a.x, b.x), y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width), y1 = Math.min(a.y + a.height, b.y + b.height);
  let inter = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      if (a.data[(y - a.y) * a.width + (x - a.x)] && b.data[(y - b.y) * b.width + (x - b.x)]) inter++;
    }
  }
  const union = countPixels(a) + countPixels(b) - inter;
  return union > 0 ? inter / union : 0;
}
