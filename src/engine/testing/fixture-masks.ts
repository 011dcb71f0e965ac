/**
 * Hand-made everything-mode results for prompt tests and benchmarks: detections whose masks are
 * rectangles or arbitrary bitmaps, so expected selections and IoUs can be computed by hand.
 */
import type { CroppedMask, Detection, SegmentResult } from '../types.js';

/** A filled rectangle [x1, x2) × [y1, y2) as a CroppedMask. */
export function rectMask(x1: number, y1: number, x2: number, y2: number): CroppedMask {
  const width = x2 - x1;
  const height = y2 - y1;
  return { x: x1, y: y1, width, height, data: new Uint8Array(width * height).fill(1) };
}

/** A mask from rows of '#'/'.' characters placed at (x, y). */
export function asciiMask(x: number, y: number, rows: string[]): CroppedMask {
  const width = rows[0].length;
  const data = new Uint8Array(width * rows.length);
  rows.forEach((r, j) => [...r].forEach((c, i) => (data[j * width + i] = c === '#' ? 1 : 0)));
  return { x, y, width, height: rows.length, data };
}

export function detection(mask: CroppedMask, score = 0.9): Detection {
  let area = 0;
  for (const v of mask.data) area += v ? 1 : 0;
  return { box: [mask.x, mask.y, mask.x + mask.width, mask.y + mask.height], score, classId: 0, mask, area };
}

export function segmentResult(width: number, height: number, detections: Detection[]): SegmentResult {
  return {
    image: { width, height },
    model: { name: 'fixture', inputSize: [height, width], numClasses: 1, numMaskCoeffs: 32, device: 'cpu' },
    timings: { preprocess: 0, inference: 0, postprocess: 0 },
    detections,
  };
}

/** A deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A realistic everything-mode tile for benchmarks: `n` masks on a size×size tile, ellipses of
 * 8–120 px and some large blocks that contain others (FastSAM's nested masks), seeded.
 */
export function syntheticTile(n = 300, size = 1024, seed = 1): SegmentResult {
  const rand = rng(seed);
  const dets: Detection[] = [];
  for (let k = 0; k < n; k++) {
    const big = k % 20 === 0;
    const rx = Math.max(3, Math.round((big ? 120 + rand() * 140 : 4 + rand() * 56)));
    const ry = Math.max(3, Math.round((big ? 120 + rand() * 140 : 4 + rand() * 56)));
    const cx = Math.round(rand() * (size - 1));
    const cy = Math.round(rand() * (size - 1));
    const x0 = Math.max(0, cx - rx), y0 = Math.max(0, cy - ry);
    const x1 = Math.min(size, cx + rx + 1), y1 = Math.min(size, cy + ry + 1);
    const w = x1 - x0, h = y1 - y0;
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dx = (x + x0 - cx) / rx, dy = (y + y0 - cy) / ry;
        if (dx * dx + dy * dy <= 1) data[y * w + x] = 1;
      }
    }
    dets.push(detection({ x: x0, y: y0, width: w, height: h, data }, 0.4 + 0.6 * rand()));
  }
  return segmentResult(size, size, dets);
}
