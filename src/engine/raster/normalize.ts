/**
 * Raster values → 8-bit RGB for the model. A per-raster stretch (percentiles, 2–98 % by default)
 * is computed once from an overview or a sample of windows, never from the whole raster; band
 * choice (one band repeated to RGB, or three bands); nodata and NaN pixels become a validity mask.
 */
import { EngineError, throwIfAborted } from '../errors.js';
import type { RawImage } from '../types.js';
import type { BandArray, PixelWindow, Raster, WindowData } from './open.js';

export type Stretch = [number, number][];

export interface StretchOptions {
  /** 0-based bands to stretch (one range per band). */
  bands: number[];
  /** Percentiles [low, high]; default [2, 98]. */
  percentiles?: [number, number];
  nodata?: number | null;
  /** Most pixels looked at (default 1,048,576). */
  maxSamples?: number;
  signal?: AbortSignal;
}

export interface StretchResult {
  stretch: Stretch;
  /** Where the values came from: 'full', 'overview N' or 'sample of K windows'. */
  from: string;
  /** Valid (non-nodata) pixels seen. */
  validSamples: number;
  /** True when the whole raster (or an overview of all of it) was looked at. */
  complete: boolean;
}

const isValid = (v: number, nodata: number | null | undefined): boolean => !Number.isNaN(v) && (nodata === null || nodata === undefined || v !== nodata);

function percentiles(values: Float64Array, n: number, lo: number, hi: number): [number, number] {
  if (n === 0) return [0, 0];
  const s = values.subarray(0, n).sort();
  const at = (p: number): number => s[Math.min(n - 1, Math.max(0, Math.round((p / 100) * (n - 1))))];
  return [at(lo), at(hi)];
}

/** Computes the per-band stretch from an overview (≤ 4 M pixels), the raster itself when small, or a sample. */
export async function computeStretch(raster: Raster, options: StretchOptions): Promise<StretchResult> {
  const [plo, phi] = options.percentiles ?? [2, 98];
  if (!(plo >= 0 && phi <= 100 && plo < phi)) {
    throw new EngineError('BAD_INPUT', `percentiles: got [${plo}, ${phi}], expected 0 ≤ low < high ≤ 100`);
  }
  const maxSamples = options.maxSamples ?? 1 << 20;
  const LIMIT = 4 << 20;
  const reads: { window: PixelWindow; overview: number }[] = [];
  let from: string;
  let complete = true;
  if (raster.width * raster.height <= LIMIT) {
    reads.push({ window: [0, 0, raster.width, raster.height], overview: 0 });
    from = 'full';
  } else {
    const k = raster.overviews.findIndex((o) => o.width * o.height <= LIMIT);
    if (k >= 0) {
      const o = raster.overviews[k];
      reads.push({ window: [0, 0, o.width, o.height], overview: k + 1 });
      from = `overview ${k + 1} (${o.width}×${o.height})`;
    } else {
      // A 4 × 4 grid of 256² windows spread over the raster.
      complete = false;
      const side = 256;
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          const x = Math.round(((raster.width - side) * (j + 0.5)) / 4);
          const y = Math.round(((raster.height - side) * (i + 0.5)) / 4);
          reads.push({ window: [x, y, x + side, y + side], overview: 0 });
        }
      }
      from = `sample of ${reads.length} windows`;
    }
  }
  const nb = options.bands.length;
  const pools = options.bands.map(() => new Float64Array(maxSamples));
  const counts = new Array(nb).fill(0);
  let total = 0;
  for (const r of reads) {
    throwIfAborted(options.signal);
    const w = await raster.readWindow(r.window, { bands: options.bands, overview: r.overview, signal: options.signal });
    const n = w.width * w.height;
    total += n;
    const step = Math.max(1, Math.ceil((n * reads.length) / maxSamples));
    for (let b = 0; b < nb; b++) {
      const d = w.data[b];
      for (let i = 0; i < n && counts[b] < maxSamples; i += step) {
        const v = d[i];
        if (isValid(v, options.nodata)) pools[b][counts[b]++] = v;
      }
    }
  }
  void total;
  const stretch: Stretch = pools.map((p, b) => percentiles(p, counts[b], plo, phi));
  return { stretch, from, validSamples: Math.min(...counts), complete };
}

/** The identity stretch of a dtype (uint8 → [0, 255]). */
export function identityStretch(bands: number): Stretch {
  return Array.from({ length: bands }, () => [0, 255] as [number, number]);
}

export interface Rgb8 {
  image: RawImage;
  /** 1 where every band is valid (not nodata, not NaN), else 0; null when all pixels are valid. */
  valid: Uint8Array | null;
  validCount: number;
}

/** Interleaved RGB bytes → three byte planes. */
function deinterleave(rgb: Uint8Array, n: number): Uint8Array[] {
  const planes = [new Uint8Array(n), new Uint8Array(n), new Uint8Array(n)];
  const [r, g, b] = planes;
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    r[i] = rgb[o];
    g[i] = rgb[o + 1];
    b[i] = rgb[o + 2];
  }
  return planes;
}

/** Three byte planes → interleaved RGB in one pass (a function of its own: optimized on its first call). */
function interleave8(r: Uint8Array, g: Uint8Array, b: Uint8Array, out: Uint8Array, n: number): void {
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    out[o] = r[i];
    out[o + 1] = g[i];
    out[o + 2] = b[i];
  }
}

/**
 * stretchBand for 8- and 16-bit unsigned bands: every possible value is stretched once (same expression,
 * so the same bytes) into a table, −1 marking nodata; each pixel is then one look-up.
 */
function stretchBandLut(d: Uint8Array | Uint16Array, n: number, lo: number, s: number, hasNodata: boolean, nodata: number, out: Uint8Array, b: number, gray: boolean, valid: Uint8Array): number {
  const lut = new Int16Array(d instanceof Uint8Array ? 256 : 65536);
  for (let v = 0; v < lut.length; v++) {
    if (hasNodata && v === nodata) {
      lut[v] = -1;
      continue;
    }
    let q = s === 0 ? (v > lo ? 255 : 0) : (v - lo) * s;
    q = q < 0 ? 0 : q > 255 ? 255 : Math.round(q);
    lut[v] = q;
  }
  let lost = 0;
  for (let i = 0; i < n; i++) {
    const q = lut[d[i]];
    if (q < 0) {
      if (valid[i]) {
        valid[i] = 0;
        lost++;
      }
      continue;
    }
    const o = 3 * i;
    if (gray) {
      out[o] = q;
      out[o + 1] = q;
      out[o + 2] = q;
    } else out[o + b] = q;
  }
  return lost;
}

/**
 * One band through its stretch into channel `b` of interleaved RGB (all three when `gray`); flags NaN and
 * nodata pixels in `valid` and returns how many it newly flagged. A function of its own: no per-pixel
 * calls, and the loop is optimized on its first call.
 */
function stretchBand(d: BandArray, n: number, lo: number, s: number, hasNodata: boolean, nodata: number, out: Uint8Array, b: number, gray: boolean, valid: Uint8Array): number {
  if (d instanceof Uint8Array || d instanceof Uint16Array) return stretchBandLut(d, n, lo, s, hasNodata, nodata, out, b, gray, valid);
  let lost = 0;
  for (let i = 0; i < n; i++) {
    const v = d[i];
    if (v !== v || (hasNodata && v === nodata)) {
      if (valid[i]) {
        valid[i] = 0;
        lost++;
      }
      continue;
    }
    let q = s === 0 ? (v > lo ? 255 : 0) : (v - lo) * s;
    q = q < 0 ? 0 : q > 255 ? 255 : Math.round(q);
    const o = 3 * i;
    if (gray) {
      out[o] = q;
      out[o + 1] = q;
      out[o + 2] = q;
    } else out[o + b] = q;
  }
  return lost;
}

/**
 * Window data (1 or 3 bands, any dtype) → 8-bit RGB by the stretch; one band is repeated to gray RGB.
 * Invalid pixels are set to 0 in the image and flagged in `valid`.
 */
export function toRgb8(win: WindowData, stretch: Stretch, nodata: number | null): Rgb8 {
  const { width, height } = win;
  const n = width * height;
  if (win.rgb8) {
    // Pixel-interleaved 8-bit RGB as read: used as it is where nothing is stretched or masked.
    if ((nodata === null || nodata === undefined) && stretch.length === 3 && stretch.every(([lo, hi]) => lo === 0 && hi === 255)) {
      return { image: { data: win.rgb8, width, height, channels: 3 }, valid: null, validCount: n };
    }
    return toRgb8({ width, height, data: deinterleave(win.rgb8, n) }, stretch, nodata);
  }
  const nb = win.data.length;
  if (nb !== 1 && nb !== 3) throw new EngineError('BAD_INPUT', `bands: got ${nb}, expected 1 or 3 bands for RGB`);
  const out = new Uint8Array(n * 3);
  // uint8 used as is (identity stretch) without nodata: a plain interleave (same bytes, no per-pixel tests).
  if ((nodata === null || nodata === undefined) && win.data.every((d) => d instanceof Uint8Array) && stretch.every(([lo, hi]) => lo === 0 && hi === 255)) {
    interleave8(win.data[0] as Uint8Array, win.data[nb === 1 ? 0 : 1] as Uint8Array, win.data[nb === 1 ? 0 : 2] as Uint8Array, out, n);
    return { image: { data: out, width, height, channels: 3 }, valid: null, validCount: n };
  }
  const valid = new Uint8Array(n).fill(1);
  let validCount = n;
  const scale = stretch.map(([lo, hi]) => (hi > lo ? 255 / (hi - lo) : 0));
  const hasNodata = nodata !== null && nodata !== undefined;
  for (let b = 0; b < nb; b++) {
    validCount -= stretchBand(win.data[b], n, stretch[b][0], scale[b], hasNodata, hasNodata ? nodata : 0, out, b, nb === 1, valid);
  }
  if (validCount < n) for (let i = 0; i < n; i++) if (!valid[i]) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = 0;
  return { image: { data: out, width, height, channels: 3 }, valid: validCount === n ? null : valid, validCount };
}
