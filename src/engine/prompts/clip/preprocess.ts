/**
 * CLIP inputs from everything-mode masks, as FastSAM's text prompt prepares them: for each mask of at
 * least `minArea` pixels, the crop of its bounding box from the tile with the pixels outside the mask
 * blanked (white by default, FastSAM's background), then CLIP's preprocessing: resize the shortest
 * side to S (bicubic, sharp's cubic kernel; the other side int(S·long/short) as torchvision does),
 * center crop S×S (offsets round((size − S)/2)), scale to [0,1] and normalize with CLIP's mean/std,
 * planar RGB. Gray images are replicated to RGB; an alpha channel is dropped.
 */
import type { RawImage, SegmentResult } from '../../types.js';
import { EngineError, throwIfAborted } from '../../errors.js';
import { DEFAULTS } from '../../config.js';
import { resizeImage } from '../../image/io.js';

export interface ClipCropOptions {
  /** Output size S (default DEFAULTS.clip.imageSize = 224). */
  size?: number;
  /** Skip masks with fewer pixels (default DEFAULTS.clip.minArea; FastSAM skips ≤ 100). */
  minArea?: number;
  /** RGB of blanked pixels (default white). */
  blank?: [number, number, number];
  mean?: readonly number[];
  std?: readonly number[];
  signal?: AbortSignal;
}

export interface ClipCrops {
  /** Detection indices that were cropped (ascending). */
  indices: number[];
  /** n × 3 × S × S, planar, normalized. */
  pixels: Float32Array;
  size: number;
}

/** The bounding-box crop of a mask as 3-channel RGB with pixels outside the mask blanked. */
export function maskedCrop(image: RawImage, mask: { x: number; y: number; width: number; height: number; data: Uint8Array }, blank: [number, number, number] = [255, 255, 255]): RawImage {
  const x0 = Math.max(0, mask.x), y0 = Math.max(0, mask.y);
  const x1 = Math.min(image.width, mask.x + mask.width), y1 = Math.min(image.height, mask.y + mask.height);
  const w = Math.max(0, x1 - x0), h = Math.max(0, y1 - y0);
  const out = new Uint8Array(w * h * 3);
  const c = image.channels;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const on = mask.data[(y + y0 - mask.y) * mask.width + (x + x0 - mask.x)] !== 0;
      if (!on) {
        out[o] = blank[0]; out[o + 1] = blank[1]; out[o + 2] = blank[2];
        continue;
      }
      const s = ((y + y0) * image.width + (x + x0)) * c;
      if (c >= 3) {
        out[o] = image.data[s]; out[o + 1] = image.data[s + 1]; out[o + 2] = image.data[s + 2];
      } else {
        out[o] = out[o + 1] = out[o + 2] = image.data[s];
      }
    }
  }
  return { data: out, width: w, height: h, channels: 3 };
}

/** Shortest side → size (torchvision Resize(int)), then the center-crop offsets. */
export function clipResizeGeometry(width: number, height: number, size: number): { width: number; height: number; left: number; top: number } {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const longOut = Math.max(size, Math.floor((size * long) / short));
  const w = width <= height ? size : longOut;
  const h = width <= height ? longOut : size;
  return { width: w, height: h, left: Math.round((w - size) / 2), top: Math.round((h - size) / 2) };
}

/** CLIP-preprocesses one RGB image into `out` at `offset` (3·S·S floats, planar). */
export async function clipPreprocess(rgb: RawImage, out: Float32Array, offset: number, options: ClipCropOptions = {}): Promise<void> {
  const S = options.size ?? DEFAULTS.clip.imageSize;
  const mean = options.mean ?? DEFAULTS.clip.mean;
  const std = options.std ?? DEFAULTS.clip.std;
  const g = clipResizeGeometry(rgb.width, rgb.height, S);
  const resized = g.width === rgb.width && g.height === rgb.height
    ? rgb
    : await resizeImage(rgb, { width: g.width, height: g.height, kernel: 'cubic' });
  const plane = S * S;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const s = ((y + g.top) * resized.width + (x + g.left)) * resized.channels;
      for (let c = 0; c < 3; c++) {
        out[offset + c * plane + y * S + x] = (resized.data[s + c] / 255 - mean[c]) / std[c];
      }
    }
  }
}

/** Masked, CLIP-preprocessed crops of every detection with at least `minArea` pixels. */
export async function clipCrops(image: RawImage, result: Pick<SegmentResult, 'detections' | 'image'>, options: ClipCropOptions = {}): Promise<ClipCrops> {
  const S = options.size ?? DEFAULTS.clip.imageSize;
  const minArea = options.minArea ?? DEFAULTS.clip.minArea;
  if (image.width !== result.image.width || image.height !== result.image.height) {
    throw new EngineError(
      'BAD_INPUT',
      `clipCrops: got an image of ${image.width}×${image.height}, expected the segmented ${result.image.width}×${result.image.height}`,
    );
  }
  const indices: number[] = [];
  result.detections.forEach((d, i) => {
    if (d.area >= minArea && d.area > 0) indices.push(i);
  });
  const pixels = new Float32Array(indices.length * 3 * S * S);
  for (let k = 0; k < indices.length; k++) {
    throwIfAborted(options.signal);
    const crop = maskedCrop(image, result.detections[indices[k]].mask, options.blank);
    if (crop.width === 0 || crop.height === 0) continue;
    await clipPreprocess(crop, pixels, k * 3 * S * S, { ...options, size: S });
  }
  return { indices, pixels, size: S };
}
