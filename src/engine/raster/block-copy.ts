/**
 * A window read that copies decoded blocks with typed-array loops instead of geotiff.js's per-sample
 * DataView reader calls (its `readRasters` spends 50–100 ms per band of a 1024² window there, more than
 * the inflate itself). It asks geotiff.js (through the structural `BlockSource` that raster/open.ts hands
 * it; this file does not import geotiff) for each decoded block — caching, decoders, sparse blocks and
 * bit-depth normalization stay geotiff.js's — and only does the copy.
 *
 * Returns null when the layout is not one it handles (big-endian multi-byte samples, mixed sample sizes,
 * compressions whose decoder needs extra parameters): the caller then uses readRasters.
 */
import type { BandArray, PixelWindow, RasterDType } from './open.js';

/** The parts of a geotiff.js GeoTIFFImage this copy uses. */
export interface BlockSource {
  littleEndian: boolean;
  planarConfiguration: 1 | 2;
  getTileWidth(): number;
  getTileHeight(): number;
  getWidth(): number;
  getHeight(): number;
  getSamplesPerPixel(): number;
  getBytesPerPixel(): number;
  getSampleByteSize(i: number): number;
  getTileOrStrip(x: number, y: number, sample: number, decoder: never, signal?: AbortSignal): Promise<{ x: number; y: number; sample: number; data: ArrayBufferLike }>;
}

const ARRAYS = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
} as const;

/** Where block (bx, by) of a tw × th grid meets the window: the block's origin and the window pixels [xs, xe) × [ys, ye) it holds. */
function overlap(bx: number, by: number, tw: number, th: number, window: PixelWindow): { fx: number; fy: number; xs: number; xe: number; ys: number; ye: number } {
  const fx = bx * tw;
  const fy = by * th;
  return { fx, fy, xs: Math.max(window[0], fx), xe: Math.min(window[2], fx + tw), ys: Math.max(window[1], fy), ye: Math.min(window[3], fy + th) };
}

/** The blocks [bx, by] of a tw × th grid that the window touches, row by row. */
function blocksOf(window: PixelWindow, tw: number, th: number): [number, number][] {
  const out: [number, number][] = [];
  for (let by = Math.floor(window[1] / th); by < Math.ceil(window[3] / th); by++) {
    for (let bx = Math.floor(window[0] / tw); bx < Math.ceil(window[2] / tw); bx++) out.push([bx, by]);
  }
  return out;
}

// The per-block copies are module-level functions, not closures made per window read: V8 keeps a
// closure's optimized code only while one of its closures lives, so per-read closures were compiled
// again after most full collections.

/** Where a window read's blocks go: the output array type, the block layout and the window. */
interface BlockPlace {
  Arr: (typeof ARRAYS)[RasterDType];
  bytes: number;
  planar: number;
  spp: number;
  tw: number;
  th: number;
  window: PixelWindow;
}

/** One decoded block's part of the window into the band arrays `outs` (samples `offsets` of each pixel). */
function copyBlock(at: BlockPlace, data: ArrayBufferLike, bx: number, by: number, outs: BandArray[], offsets: number[]): void {
  const { Arr, bytes, planar, spp, tw, th, window } = at;
  const [wx0, wy0, wx1] = window;
  const ww = wx1 - wx0;
  const src = new Arr(data as ArrayBuffer, 0, Math.floor(data.byteLength / bytes));
  const { fx, fy, xs, xe, ys, ye } = overlap(bx, by, tw, th, window);
  const stride = planar === 1 ? spp : 1;
  // Pixel-interleaved RGB(-like) blocks read as bands 0, 1, 2: one pass over each row, not three.
  const rgb = stride === 3 && outs.length === 3 && offsets[0] === 0 && offsets[1] === 1 && offsets[2] === 2;
  for (let y = ys; y < ye; y++) {
    const srow = (y - fy) * tw;
    const drow = (y - wy0) * ww - wx0;
    if (rgb && (srow + xe - 1 - fx) * 3 + 2 < src.length) {
      deinterleave3(src, (srow + xs - fx) * 3, outs[0], outs[1], outs[2], drow + xs, drow + xe);
      continue;
    }
    for (let k = 0; k < outs.length; k++) {
      const o = outs[k];
      const off = offsets[k];
      if (stride === 1) {
        const a = srow + (xs - fx);
        if (a + (xe - xs) > src.length) continue; // a short last strip: geotiff.js leaves zeros too
        o.set(src.subarray(a, a + (xe - xs)) as never, drow + xs);
      } else if ((srow + xe - 1 - fx) * stride + off < src.length) {
        // The whole row is inside the block's data: no per-sample bounds test.
        for (let x = xs, i = (srow + xs - fx) * stride + off; x < xe; x++, i += stride) o[drow + x] = src[i];
      } else {
        for (let x = xs; x < xe; x++) {
          const i = (srow + x - fx) * stride + off;
          if (i < src.length) o[drow + x] = src[i];
        }
      }
    }
  }
}

/** One decoded pixel-interleaved 8-bit RGB block's part of the window into `out` (interleaved). */
function copyBlockRgb8(out: Uint8Array, data: ArrayBufferLike, bx: number, by: number, tw: number, th: number, window: PixelWindow): void {
  const [wx0, wy0, wx1] = window;
  const ww = wx1 - wx0;
  const src = new Uint8Array(data as ArrayBuffer);
  const { fx, fy, xs, xe, ys, ye } = overlap(bx, by, tw, th, window);
  const len = 3 * (xe - xs);
  for (let y = ys; y < ye; y++) {
    const a = 3 * ((y - fy) * tw + (xs - fx));
    if (a + len > src.length) continue; // a short last strip: geotiff.js leaves zeros too
    out.set(src.subarray(a, a + len), 3 * ((y - wy0) * ww + (xs - wx0)));
  }
}

/** Interleaved triples from src[i…] → a[o…e), b[o…e), c[o…e). */
function deinterleave3(src: BandArray, i: number, a: BandArray, b: BandArray, c: BandArray, o: number, e: number): void {
  for (; o < e; o++, i += 3) {
    a[o] = src[i];
    b[o] = src[i + 1];
    c[o] = src[i + 2];
  }
}

export async function copyWindowBlocks(
  image: BlockSource,
  decoder: unknown,
  window: PixelWindow,
  samples: number[],
  dtype: RasterDType,
  signal?: AbortSignal,
): Promise<BandArray[] | null> {
  const Arr = ARRAYS[dtype];
  const bytes = Arr.BYTES_PER_ELEMENT;
  const spp = image.getSamplesPerPixel();
  for (let s = 0; s < spp; s++) if (image.getSampleByteSize(s) !== bytes) return null;
  if (bytes > 1 && !image.littleEndian) return null;
  const planar = image.planarConfiguration;
  if (planar === 1 && image.getBytesPerPixel() !== bytes * spp) return null;
  const tw = image.getTileWidth();
  const th = image.getTileHeight();
  const [wx0, wy0, wx1, wy1] = window;
  const ww = wx1 - wx0;
  const out = samples.map(() => new Arr(ww * (wy1 - wy0)));
  const jobs: Promise<void>[] = [];
  const at: BlockPlace = { Arr, bytes, planar, spp, tw, th, window };
  for (const [bx, by] of blocksOf(window, tw, th)) {
    if (planar === 1) {
      jobs.push(image.getTileOrStrip(bx, by, 0, decoder as never, signal).then((b) => copyBlock(at, b.data, bx, by, out, samples)));
    } else {
      samples.forEach((s, k) => {
        jobs.push(image.getTileOrStrip(bx, by, s, decoder as never, signal).then((b) => copyBlock(at, b.data, bx, by, [out[k]], [0])));
      });
    }
  }
  await Promise.all(jobs);
  return out;
}

/**
 * 8-bit RGB stored pixel-interleaved (one sample set per block, 3 samples per pixel), read as bands
 * 0, 1, 2: the window's pixel-interleaved bytes, each block row copied whole (no split into bands and
 * no re-interleave: at 1024² those two passes cost ~7–12 ms here). Null when the layout is another.
 */
export async function copyWindowRgb8(image: BlockSource, decoder: unknown, window: PixelWindow, signal?: AbortSignal): Promise<Uint8Array | null> {
  if (image.planarConfiguration !== 1 || image.getSamplesPerPixel() !== 3 || image.getBytesPerPixel() !== 3) return null;
  for (let s = 0; s < 3; s++) if (image.getSampleByteSize(s) !== 1) return null;
  const tw = image.getTileWidth();
  const th = image.getTileHeight();
  const [wx0, wy0, wx1, wy1] = window;
  const ww = wx1 - wx0;
  const out = new Uint8Array(3 * ww * (wy1 - wy0));
  const jobs: Promise<void>[] = [];
  for (const [bx, by] of blocksOf(window, tw, th)) {
    jobs.push(image.getTileOrStrip(bx, by, 0, decoder as never, signal).then((b) => copyBlockRgb8(out, b.data, bx, by, tw, th, window)));
  }
  await Promise.all(jobs);
  return out;
}
