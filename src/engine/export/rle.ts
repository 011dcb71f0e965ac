/**
 * COCO run-length encoding of binary masks, as pycocotools writes it: runs over the full image in
 * column-major order (down each column, columns left to right), starting with a run of zeros (which
 * may be 0). `counts` is either the plain list of run lengths or pycocotools' compressed string
 * (rleToString: each count minus the count two before it, in 5-bit groups with a continuation bit,
 * + 48, as ASCII).
 */
import { EngineError } from '../errors.js';
import type { CroppedMask } from '../types.js';

export interface CocoRle {
  /** [height, width] of the full image. */
  size: [number, number];
  counts: string | number[];
}

/** Run lengths (column-major over a width × height image) of a mask cropped to its box. */
export function cropToRleCounts(mask: CroppedMask, width: number, height: number): number[] {
  if (mask.x < 0 || mask.y < 0 || mask.x + mask.width > width || mask.y + mask.height > height) {
    throw new EngineError('BAD_INPUT', `mask at (${mask.x}, ${mask.y}) size ${mask.width}×${mask.height}: got a mask outside the ${width}×${height} image`);
  }
  const counts: number[] = [];
  let cur = 0; // value of the current run
  let run = 0;
  const zeros = (n: number) => {
    if (cur === 0) run += n;
    else { counts.push(run); cur = 0; run = n; }
  };
  // Columns before the box, and the rows above the box's first column, are zeros.
  zeros(mask.x * height);
  for (let cx = 0; cx < mask.width; cx += 1) {
    zeros(mask.y);
    for (let cy = 0; cy < mask.height; cy += 1) {
      const v = mask.data[cy * mask.width + cx];
      if (v === cur || (v !== 0 && cur === 1)) run += 1;
      else { counts.push(run); cur = v ? 1 : 0; run = 1; }
    }
    zeros(height - mask.y - mask.height);
  }
  zeros((width - mask.x - mask.width) * height);
  counts.push(run);
  return counts;
}

/** pycocotools' compressed string form of run lengths (rleToString in maskApi.c). */
export function rleToString(counts: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < counts.length; i += 1) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x = Math.floor(x / 32); // arithmetic shift, also for negative differences
      more = (c & 0x10) ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** Inverse of rleToString (rleFrString in maskApi.c). */
export function rleFromString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new EngineError('BAD_INPUT', 'RLE string: got a truncated run, expected complete 5-bit groups');
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p += 1;
      k += 1;
      if (!more && (c & 0x10)) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** A CroppedMask as COCO RLE of the full image (compressed string by default). */
export function maskToCocoRle(mask: CroppedMask, width: number, height: number, options: { compressed?: boolean } = {}): CocoRle {
  const counts = cropToRleCounts(mask, width, height);
  return { size: [height, width], counts: options.compressed === false ? counts : rleToString(counts) };
}

/** Decodes COCO RLE into a row-major 0/1 bitmap of the full image. */
export function decodeCocoRle(rle: CocoRle): Uint8Array {
  const [h, w] = rle.size;
  const counts = typeof rle.counts === 'string' ? rleFromString(rle.counts) : rle.counts;
  const out = new Uint8Array(h * w);
  let pos = 0;
  let v = 0;
  for (const n of counts) {
    if (v) {
      for (let i = pos; i < pos + n; i += 1) {
        const x = Math.floor(i / h);
        const y = i - x * h;
        out[y * w + x] = 1;
      }
    }
    pos += n;
    v ^= 1;
  }
  if (pos !== h * w) {
    throw new EngineError('BAD_INPUT', `RLE counts: got ${pos} pixels, expected ${h}×${w} = ${h * w}`);
  }
  return out;
}
