/**
 * Ultralytics' LetterBox (ultralytics/data/augment.py, predict mode: auto=False, scaleup=True, center)
 * as pure functions on typed arrays:
 *   r = min(H/h, W/w); new_unpad = (round(w·r), round(h·r)) with Python's round (half to even);
 *   resize with cv2.INTER_LINEAR semantics (half-pixel centres, 2-tap, no antialiasing; 11-bit fixed
 *   point as OpenCV does for 8-bit images); pad with 114 on each side: top = round(dh − 0.1),
 *   left = round(dw − 0.1) where dh, dw are half the padding; then planar RGB float32 / 255.
 * The resize is hand-written on purpose: libvips/sharp antialias when shrinking, Ultralytics does not,
 * and the model should see the pixels it saw in Ultralytics.
 */
import { EngineError } from '../errors.js';
import type { RawImage } from '../types.js';

/** Python 3 round(): halves go to the even neighbour. */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface LetterboxGeometry {
  srcWidth: number;
  srcHeight: number;
  /** Model input size. */
  dstWidth: number;
  dstHeight: number;
  /** Scale applied to the source image. */
  ratio: number;
  /** Size of the resized image inside the letterbox. */
  newWidth: number;
  newHeight: number;
  padLeft: number;
  padTop: number;
}

export function letterboxGeometry(srcWidth: number, srcHeight: number, dstHeight: number, dstWidth: number): LetterboxGeometry {
  const ratio = Math.min(dstHeight / srcHeight, dstWidth / srcWidth);
  const newWidth = pyRound(srcWidth * ratio);
  const newHeight = pyRound(srcHeight * ratio);
  const dw = (dstWidth - newWidth) / 2;
  const dh = (dstHeight - newHeight) / 2;
  return {
    srcWidth, srcHeight, dstWidth, dstHeight, ratio, newWidth, newHeight,
    padLeft: pyRound(dw - 0.1),
    padTop: pyRound(dh - 0.1),
  };
}

/** Converts any 8-bit RawImage (gray, gray+alpha, RGB, RGBA) to interleaved RGB (alpha dropped, as cv2.imread). */
export function toRgb(image: RawImage): Uint8Array {
  const { data, width, height, channels } = image;
  if (channels === 3) return data;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i += 1) {
    const s = i * channels;
    if (channels <= 2) {
      const g = data[s];
      out[i * 3] = g; out[i * 3 + 1] = g; out[i * 3 + 2] = g;
    } else {
      out[i * 3] = data[s]; out[i * 3 + 1] = data[s + 1]; out[i * 3 + 2] = data[s + 2];
    }
  }
  return out;
}

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/** Per-destination-index source index and 11-bit weights, as cv2's INTER_LINEAR computes them. */
function linearTaps(src: number, dst: number): { i0: Int32Array; i1: Int32Array; w0: Int32Array; w1: Int32Array } {
  const scale = 1 / (dst / src);
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const w0 = new Int32Array(dst);
  const w1 = new Int32Array(dst);
  for (let d = 0; d < dst; d += 1) {
    let f = (d + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    f -= s;
    if (s < 0) { f = 0; s = 0; }
    if (s >= src - 1) { f = 0; s = src - 1; }
    i0[d] = s;
    i1[d] = Math.min(s + 1, src - 1);
    w1[d] = Math.round(f * COEF_SCALE);
    w0[d] = Math.round((1 - f) * COEF_SCALE);
  }
  return { i0, i1, w0, w1 };
}

/** cv2.resize(INTER_LINEAR) of interleaved 8-bit pixels. */
export function resizeLinear(src: Uint8Array, sw: number, sh: number, channels: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh * channels);
  if (sw === dw && sh === dh) { out.set(src); return out; }
  const xt = linearTaps(sw, dw);
  const yt = linearTaps(sh, dh);
  const rowLen = dw * channels;
  const rowA = new Int32Array(rowLen);
  const rowB = new Int32Array(rowLen);
  let cachedA = -1;
  let cachedB = -1;
  const hpass = (y: number, buf: Int32Array) => {
    const base = y * sw * channels;
    for (let x = 0; x < dw; x += 1) {
      const a = base + xt.i0[x] * channels;
      const b = base + xt.i1[x] * channels;
      const w0 = xt.w0[x];
      const w1 = xt.w1[x];
      for (let c = 0; c < channels; c += 1) buf[x * channels + c] = src[a + c] * w0 + src[b + c] * w1;
    }
  };
  let bufA = rowA;
  let bufB = rowB;
  for (let y = 0; y < dh; y += 1) {
    const y0 = yt.i0[y];
    const y1 = yt.i1[y];
    if (cachedA !== y0) {
      if (cachedB === y0) { const t = bufA; bufA = bufB; bufB = t; cachedA = y0; cachedB = -1; }
      else { hpass(y0, bufA); cachedA = y0; }
    }
    if (cachedB !== y1) { hpass(y1, bufB); cachedB = y1; }
    const b0 = yt.w0[y];
    const b1 = yt.w1[y];
    const o = y * rowLen;
    // OpenCV's vectorized vertical pass (VResizeLinearVec_32s8u): (S >> 4) · β with a 16-bit
    // multiply-high per row, then (sum + 2) >> 2 — 22 bits in all, rounded as OpenCV rounds.
    for (let i = 0; i < rowLen; i += 1) {
      const v = ((((bufA[i] >> 4) * b0) >> 16) + (((bufB[i] >> 4) * b1) >> 16) + 2) >> 2;
      out[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/** One row: `n` interleaved RGB bytes from src[s…] → tensor[t…], tensor[t + plane…], tensor[t + 2·plane…] through `lut`. */
function planarizeRow(src: Uint8Array, s: number, tensor: Float32Array, t: number, n: number, plane: number, lut: Float32Array): void {
  const p2 = 2 * plane;
  for (const end = t + n; t < end; t += 1, s += 3) {
    tensor[t] = lut[src[s]];
    tensor[t + plane] = lut[src[s + 1]];
    tensor[t + p2] = lut[src[s + 2]];
  }
}

/**
 * The same as planarizeRow for `g` groups of four pixels whose 12 bytes start at the aligned word
 * words[w]: three 32-bit loads instead of twelve byte loads (little-endian: byte k of a word is bits
 * 8k…8k+7). 1024² here: 4.6 → 3.3 ms, the same floats.
 */
function planarizeWords(words: Uint32Array, w: number, tensor: Float32Array, t: number, g: number, plane: number, lut: Float32Array): void {
  const p2 = 2 * plane;
  for (const end = w + 3 * g; w < end; w += 3, t += 4) {
    const a = words[w];
    const b = words[w + 1];
    const c = words[w + 2];
    tensor[t] = lut[a & 255];
    tensor[t + plane] = lut[(a >>> 8) & 255];
    tensor[t + p2] = lut[(a >>> 16) & 255];
    tensor[t + 1] = lut[a >>> 24];
    tensor[t + 1 + plane] = lut[b & 255];
    tensor[t + 1 + p2] = lut[(b >>> 8) & 255];
    tensor[t + 2] = lut[(b >>> 16) & 255];
    tensor[t + 2 + plane] = lut[b >>> 24];
    tensor[t + 2 + p2] = lut[c & 255];
    tensor[t + 3] = lut[(c >>> 8) & 255];
    tensor[t + 3 + plane] = lut[(c >>> 16) & 255];
    tensor[t + 3 + p2] = lut[c >>> 24];
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Rows [ya, yb) of interleaved RGB bytes (rows of `width` pixels) → three float planes through `lut`,
 * row ya landing at tensor index `t0`, successive rows `stride` apart, planes `plane` apart. A function
 * per row: called a thousand times, it is compiled after the first few rows of the first tile instead of
 * waiting for on-stack replacement of one long loop (cold, the first tile: about 2 ms less at 1024²).
 * Each row is read by words from its first 4-byte-aligned pixel on (the pixels before and after by bytes).
 */
function planarize(src: Uint8Array, width: number, ya: number, yb: number, tensor: Float32Array, t0: number, stride: number, plane: number, lut: Float32Array): void {
  const words = LITTLE_ENDIAN && width >= 8 ? new Uint32Array(src.buffer, src.byteOffset - (src.byteOffset % 4), Math.floor((src.byteOffset % 4 + src.length) / 4)) : null;
  for (let y = ya, t = t0; y < yb; y += 1, t += stride) {
    const s = y * width * 3;
    if (!words) {
      planarizeRow(src, s, tensor, t, width, plane, lut);
      continue;
    }
    // Pixels before the first one whose bytes start on a word boundary: (byteOffset + s + 3h) % 4 = 0.
    const h = (3 * (4 - ((src.byteOffset + s) % 4))) % 4;
    const g = (width - h) >> 2;
    planarizeRow(src, s, tensor, t, h, plane, lut);
    planarizeWords(words, (src.byteOffset + s + 3 * h - (src.byteOffset - (src.byteOffset % 4))) / 4, tensor, t + h, g, plane, lut);
    planarizeRow(src, s + 3 * (h + 4 * g), tensor, t + h + 4 * g, width - h - 4 * g, plane, lut);
  }
}

/**
 * Letterboxes an image into the model input: planar RGB float32 [3, dstHeight, dstWidth], / 255,
 * padding value 114. `out`: the tensor to write (3 · dstHeight · dstWidth long), else a new one.
 */
export function letterbox(image: RawImage, dstHeight: number, dstWidth: number, padValue = 114, out?: Float32Array): { tensor: Float32Array; geometry: LetterboxGeometry } {
  if (!(image && image.width > 0 && image.height > 0 && image.data?.length === image.width * image.height * image.channels)) {
    throw new EngineError('BAD_INPUT', `image: got ${image?.width}×${image?.height}×${image?.channels} with ${image?.data?.length} bytes, expected width·height·channels bytes`);
  }
  const g = letterboxGeometry(image.width, image.height, dstHeight, dstWidth);
  const rgb = toRgb(image);
  const resized = g.newWidth === image.width && g.newHeight === image.height
    ? rgb
    : resizeLinear(rgb, image.width, image.height, 3, g.newWidth, g.newHeight);
  const plane = dstWidth * dstHeight;
  // The image is written where it lands and only the padding around it is filled (none when the image
  // already has the model's size): the 4–13 MB tensor is written once, not twice, and every element is
  // written, so `out` (a reused buffer) may hold anything.
  const tensor = out && out.length === 3 * plane ? out : new Float32Array(3 * plane);
  const pad = padValue / 255;
  const nw = g.newWidth;
  const left = g.padLeft;
  const y0 = Math.max(0, g.padTop);
  const y1 = Math.min(dstHeight, g.padTop + g.newHeight);
  for (let c = 0, p = 0; c < 3; c += 1, p += plane) {
    if (y1 <= y0) { tensor.fill(pad, p, p + plane); continue; }
    tensor.fill(pad, p, p + y0 * dstWidth);
    tensor.fill(pad, p + y1 * dstWidth, p + plane);
    if (left > 0 || left + nw < dstWidth) {
      for (let ty = y0; ty < y1; ty += 1) {
        const r = p + ty * dstWidth;
        if (left > 0) tensor.fill(pad, r, r + left);
        if (left + nw < dstWidth) tensor.fill(pad, r + left + nw, r + dstWidth);
      }
    }
  }
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i += 1) lut[i] = i / 255;
  if (y1 > y0) planarize(resized, nw, y0 - g.padTop, y1 - g.padTop, tensor, y0 * dstWidth + left, dstWidth, plane, lut);
  return { tensor, geometry: g };
}
