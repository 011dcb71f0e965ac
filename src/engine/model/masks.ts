/**
 * Instance masks at the original image resolution, as Ultralytics' process_mask_native (the current
 * convention, retina masks): logits = coeffs · protos; crop the letterbox padding off the prototype
 * grid (scale_masks: top = round(padY − 0.1), bottom = mh − round(padY + 0.1), same for x); bilinear
 * upsample of the logits to the image size (torch F.interpolate, align_corners=False); keep pixels
 * inside the box (col ≥ x1, col < x2, row ≥ y1, row < y2, crop_mask); threshold > 0.
 *
 * The trap avoided (FIELD-NOTES): the logits and the upsample are computed only for the pixels inside
 * each box, on typed arrays, never over the whole frame. Result: a CroppedMask whose bitmap spans the
 * box's pixel range.
 */
import type { Box, CroppedMask } from '../types.js';
import { pyRound } from './letterbox.js';
import { cellLogits } from './mask-logits.js';

export interface ProtoGeometry {
  /** Number of mask coefficients / prototype channels. */
  nm: number;
  /** Prototype grid size. */
  mh: number;
  mw: number;
  /** Region of the prototype grid that covers the image (letterbox padding removed). */
  top: number;
  left: number;
  bottom: number;
  right: number;
  /** Image size the masks are produced at. */
  height: number;
  width: number;
}

export function protoGeometry(nm: number, mh: number, mw: number, height: number, width: number): ProtoGeometry {
  const gain = Math.min(mh / height, mw / width);
  const padX = (mw - width * gain) / 2;
  const padY = (mh - height * gain) / 2;
  return {
    nm, mh, mw, height, width,
    top: pyRound(padY - 0.1),
    left: pyRound(padX - 0.1),
    bottom: mh - pyRound(padY + 0.1),
    right: mw - pyRound(padX + 0.1),
  };
}

/** torch bilinear (align_corners=False) source taps for output indices [from, to) of an `out`-long axis read from `len` inputs. */
function taps(from: number, to: number, len: number, out: number): { i0: Int32Array; i1: Int32Array; l: Float32Array } {
  const n = Math.max(0, to - from);
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const l = new Float32Array(n);
  const scale = len / out;
  for (let k = 0; k < n; k += 1) {
    let s = (from + k + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    let a = Math.floor(s);
    if (a > len - 1) a = len - 1;
    i0[k] = a;
    i1[k] = a < len - 1 ? a + 1 : a;
    l[k] = s - a;
  }
  return { i0, i1, l };
}

/**
 * The prototypes [nm, mh, mw] laid out cell by cell ([mh, mw, nm]), once per tile: a mask's logits are
 * then one contiguous nm-long dot product per cell instead of nm passes over its window. `out`: where
 * to write them (e.g. over a SharedArrayBuffer), mh · mw · nm floats.
 */
export function protosByCell(protos: Float32Array, g: Pick<ProtoGeometry, 'nm' | 'mh' | 'mw'>, out: Float32Array<ArrayBufferLike> = new Float32Array(g.mh * g.mw * g.nm)): Float32Array<ArrayBufferLike> {
  const { nm, mh, mw } = g;
  const plane = mh * mw;
  // Blocks of 256 cells, four channels at a time: four sequential reads, four adjacent writes, the
  // block's output in cache (2× faster than cell by cell over all channels: 32 × 256² in 2.3 vs 4.8 ms).
  const nm4 = nm - (nm % 4);
  for (let i0 = 0; i0 < plane; i0 += 256) {
    const i1 = Math.min(plane, i0 + 256);
    for (let c = 0; c < nm4; c += 4) {
      const s0 = c * plane, s1 = s0 + plane, s2 = s1 + plane, s3 = s2 + plane;
      for (let i = i0, o = i0 * nm + c; i < i1; i += 1, o += nm) {
        out[o] = protos[s0 + i];
        out[o + 1] = protos[s1 + i];
        out[o + 2] = protos[s2 + i];
        out[o + 3] = protos[s3 + i];
      }
    }
    for (let c = nm4; c < nm; c += 1) for (let i = i0, o = i0 * nm + c; i < i1; i += 1, o += nm) out[o] = protos[c * plane + i];
  }
  return out;
}

/** maskInBox's logits in JavaScript: the window of lw × lh cells whose first is `corner` (row-major in the grid). */
function jsLogits(protos: Float32Array, coeffs: Float32Array, corner: number, lw: number, lh: number, g: ProtoGeometry, byCell?: Float32Array): Float32Array {
  const logits = new Float32Array(lw * lh);
  const nm = g.nm;
  const nm4 = nm - (nm % 4);
  const plane = g.mh * g.mw;
  for (let yy = 0; yy < lh; yy += 1) {
    const cell0 = corner + yy * g.mw;
    const o = yy * lw;
    for (let xx = 0; xx < lw; xx += 1) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let c = 0;
      if (byCell) {
        const b = (cell0 + xx) * nm;
        for (; c < nm4; c += 4) {
          s0 += coeffs[c] * byCell[b + c];
          s1 += coeffs[c + 1] * byCell[b + c + 1];
          s2 += coeffs[c + 2] * byCell[b + c + 2];
          s3 += coeffs[c + 3] * byCell[b + c + 3];
        }
        for (; c < nm; c += 1) s0 += coeffs[c] * byCell[b + c];
      } else {
        const b = cell0 + xx;
        for (; c < nm4; c += 4) {
          s0 += coeffs[c] * protos[b + c * plane];
          s1 += coeffs[c + 1] * protos[b + (c + 1) * plane];
          s2 += coeffs[c + 2] * protos[b + (c + 2) * plane];
          s3 += coeffs[c + 3] * protos[b + (c + 3) * plane];
        }
        for (; c < nm; c += 1) s0 += coeffs[c] * protos[b + c * plane];
      }
      logits[o + xx] = (s0 + s1) + (s2 + s3);
    }
  }
  return logits;
}

/**
 * The mask of one detection. `protos` is [nm, mh, mw] (row-major), `coeffs` its nm coefficients,
 * `box` xyxy in image pixels (already clipped to the image). `byCell` (protosByCell of the same
 * prototypes) computes the same logits (same arithmetic) faster.
 */
export function maskInBox(
  protos: Float32Array,
  coeffs: Float32Array,
  box: ArrayLike<number>,
  g: ProtoGeometry,
  byCell?: Float32Array,
): { mask: CroppedMask; area: number } {
  const x0 = Math.max(0, Math.ceil(box[0]));
  const y0 = Math.max(0, Math.ceil(box[1]));
  const x1 = Math.min(g.width, Math.ceil(box[2]));
  const y1 = Math.min(g.height, Math.ceil(box[3]));
  const w = Math.max(0, x1 - x0);
  const h = Math.max(0, y1 - y0);
  const data = new Uint8Array(w * h);
  if (w === 0 || h === 0) return { mask: { x: x0, y: y0, width: w, height: h, data, setBox: [0, 0, 0, 0] }, area: 0 };

  const cw = g.right - g.left;
  const ch = g.bottom - g.top;
  const tx = taps(x0, x1, cw, g.width);
  const ty = taps(y0, y1, ch, g.height);
  // Prototype window needed (in cropped-grid coordinates).
  const px0 = tx.i0[0];
  const px1 = tx.i1[w - 1];
  const py0 = ty.i0[0];
  const py1 = ty.i1[h - 1];
  const lw = px1 - px0 + 1;
  const lh = py1 - py0 + 1;
  // One nm-long dot product per cell, accumulated in doubles (four partial sums, then rounded once to
  // float32): more exact than a float32 running sum and half its cost; the same arithmetic whichever
  // layout the prototypes come in, and in the WebAssembly kernel (mask-logits.ts, 4× faster; where it
  // is unavailable, the loop below). (Torch's float32 matmul sums in yet another order: the logits agree
  // to float32 rounding.) Cell-major prototypes (byCell) make the dot product contiguous.
  const nm = g.nm;
  const corner = (g.top + py0) * g.mw + g.left + px0;
  const logits = (byCell && cellLogits(byCell, coeffs, corner, lw, lh, nm, g.mw)) || jsLogits(protos, coeffs, corner, lw, lh, g, byCell);
  // Bilinear weights are ≥ 0 and (1 − l) > 0, so where the four logits around a run of output pixels
  // are all > 0 every pixel of the run is > 0, and where all are ≤ 0 none is: only runs on a mask edge
  // (mixed signs) are interpolated, with the same double arithmetic per pixel as the full separable form
  // (x first, then y): bit-identical masks for a fraction of the work.
  const pos = new Uint8Array(lw * lh);
  for (let i = 0; i < pos.length; i += 1) pos[i] = logits[i] > 0 ? 1 : 0;
  // Runs of output columns that share their two x taps.
  const runStart = new Int32Array(w + 1);
  let nRuns = 0;
  for (let c = 0; c < w; c += 1) if (c === 0 || tx.i0[c] !== tx.i0[c - 1] || tx.i1[c] !== tx.i1[c - 1]) runStart[nRuns++] = c;
  runStart[nRuns] = w;
  // Output rows with the same y taps (about four per prototype row) share which runs have a set
  // corner: found once per prototype row (most runs of a detection box have none), then only those runs
  // are visited.
  const active = new Int32Array(nRuns);
  const corners = new Uint8Array(nRuns);
  let nActive = 0;
  let activeFor = -1;
  let area = 0;
  // The set pixels' box, found on the way (the tracer and the wall search then skip the empty margin).
  let sx0 = w, sy0 = h, sx1 = 0, sy1 = 0;
  for (let r = 0; r < h; r += 1) {
    const areaBefore = area;
    let first = w, last = 0;
    const ya = ty.i0[r] - py0;
    const yb = ty.i1[r] - py0;
    const ly = ty.l[r];
    const o = r * w;
    if (ya !== activeFor) {
      // (yb follows from ya: the next prototype row, or ya itself at the grid's edge.)
      nActive = 0;
      for (let q = 0; q < nRuns; q += 1) {
        const xa = tx.i0[runStart[q]] - px0;
        const xb = tx.i1[runStart[q]] - px0;
        const n = pos[ya * lw + xa] + pos[ya * lw + xb] + pos[yb * lw + xa] + pos[yb * lw + xb];
        if (n === 0) continue;
        active[nActive] = q;
        corners[nActive++] = n;
      }
      activeFor = ya;
    }
    for (let k = 0; k < nActive; k += 1) {
      const q = active[k];
      const c0 = runStart[q];
      const c1 = runStart[q + 1];
      const xa = tx.i0[c0] - px0;
      const xb = tx.i1[c0] - px0;
      if (corners[k] === 4) {
        data.fill(1, o + c0, o + c1);
        area += c1 - c0;
        if (c0 < first) first = c0;
        last = c1;
        continue;
      }
      const a0 = logits[ya * lw + xa], a1 = logits[ya * lw + xb];
      const b0 = logits[yb * lw + xa], b1 = logits[yb * lw + xb];
      for (let c = c0; c < c1; c += 1) {
        const lx = tx.l[c];
        const ra = a0 * (1 - lx) + a1 * lx;
        const rb = b0 * (1 - lx) + b1 * lx;
        if (ra * (1 - ly) + rb * ly > 0) {
          data[o + c] = 1;
          area += 1;
          if (c < first) first = c;
          last = c + 1;
        }
      }
    }
    if (area > areaBefore) {
      if (r < sy0) sy0 = r;
      sy1 = r + 1;
      if (first < sx0) sx0 = first;
      if (last > sx1) sx1 = last;
    }
  }
  const setBox: Box = area > 0 ? [sx0, sy0, sx1, sy1] : [0, 0, 0, 0];
  return { mask: { x: x0, y: y0, width: w, height: h, data, setBox }, area };
}

/** maskInBox of detection i of a batch: coefficients k × nm, boxes k × 4 (what the decode and its helper threads call). */
export function maskAt(protos: Float32Array, coeffs: Float32Array, boxes: Float64Array, i: number, g: ProtoGeometry, byCell?: Float32Array): { mask: CroppedMask; area: number } {
  return maskInBox(protos, coeffs.subarray(i * g.nm, (i + 1) * g.nm), boxes.subarray(4 * i, 4 * i + 4), g, byCell);
}
