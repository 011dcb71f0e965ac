/**
 * drawOverlay(image, detections): an RGB copy of the image with each mask tinted (alpha 0.5) in a
 * colour of its own and its box outlined. A pure kernel on typed arrays (the CLI encodes it as PNG).
 */
import type { Detection, RawImage } from '../types.js';
import { toRgb } from '../model/letterbox.js';

// Ultralytics' palette (hex), cycled.
const PALETTE = ['FF3838', 'FF9D97', 'FF701F', 'FFB21D', 'CFD231', '48F90A', '92CC17', '3DDB86', '1A9334', '00D4BB',
  '2C99A8', '00C2FF', '344593', '6473FF', '0018EC', '8438FF', '520085', 'CB38FF', 'FF95C8', 'FF37C7'];

export function colorOf(i: number): [number, number, number] {
  const h = PALETTE[i % PALETTE.length];
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

export function drawOverlay(image: RawImage, detections: Detection[], options: { alpha?: number; lineWidth?: number } = {}): RawImage {
  const alpha = options.alpha ?? 0.5;
  const lw = options.lineWidth ?? Math.max(1, Math.round(Math.min(image.width, image.height) / 300));
  const W = image.width;
  const H = image.height;
  const out = Uint8Array.from(toRgb(image));
  detections.forEach((d, i) => {
    const [r, g, b] = colorOf(i);
    const m = d.mask;
    for (let y = 0; y < m.height; y += 1) {
      for (let x = 0; x < m.width; x += 1) {
        if (!m.data[y * m.width + x]) continue;
        const p = ((m.y + y) * W + m.x + x) * 3;
        out[p] = out[p] * (1 - alpha) + r * alpha;
        out[p + 1] = out[p + 1] * (1 - alpha) + g * alpha;
        out[p + 2] = out[p + 2] * (1 - alpha) + b * alpha;
      }
    }
    const x0 = Math.max(0, Math.floor(d.box[0]));
    const y0 = Math.max(0, Math.floor(d.box[1]));
    const x1 = Math.min(W - 1, Math.ceil(d.box[2]) - 1);
    const y1 = Math.min(H - 1, Math.ceil(d.box[3]) - 1);
    const set = (x: number, y: number) => {
      if (x < 0 || y < 0 || x >= W || y >= H) return;
      const p = (y * W + x) * 3;
      out[p] = r; out[p + 1] = g; out[p + 2] = b;
    };
    for (let t = 0; t < lw; t += 1) {
      for (let x = x0; x <= x1; x += 1) { set(x, y0 + t); set(x, y1 - t); }
      for (let y = y0; y <= y1; y += 1) { set(x0 + t, y); set(x1 - t, y); }
    }
  });
  return { data: out, width: W, height: H, channels: 3 };
}
