/**
 * A per-tile index over everything-mode masks so that prompts select in microseconds: masks are
 * bucketed by a coarse grid over their bounding boxes (a point looks at one cell), and each mask gets a
 * summed-area table on first use by a box prompt (mask pixels inside any box in O(1)).
 * Built once per cached tile result; pure data, no I/O.
 */
import type { CroppedMask, Detection, SegmentResult } from '../types.js';
import { EngineError } from '../errors.js';

export interface MaskIndex {
  width: number;
  height: number;
  detections: Detection[];
  /** Grid cell size in pixels. */
  cell: number;
  cols: number;
  rows: number;
  /** For each cell, the indices of masks whose bounding box touches it (ascending). */
  cells: Int32Array[];
  /** Summed-area tables, built lazily per mask ((w+1)·(h+1), row-major). */
  integrals: (Uint32Array | undefined)[];
}

export interface MaskIndexOptions {
  /** Grid cell size in pixels (default 32). */
  cell?: number;
}

/** Validates a mask's shape against the image; returns nothing, throws BAD_INPUT naming the mask. */
function checkMask(m: CroppedMask, i: number): void {
  if (!(m && m.data instanceof Uint8Array) || m.data.length !== m.width * m.height) {
    throw new EngineError(
      'BAD_INPUT',
      `detections[${i}].mask: got ${m?.data?.length} bytes for ${m?.width}×${m?.height}, expected width·height bytes`,
    );
  }
}

export function buildMaskIndex(result: Pick<SegmentResult, 'image' | 'detections'>, options: MaskIndexOptions = {}): MaskIndex {
  const { width, height } = result.image;
  const cell = options.cell ?? 32;
  if (!(Number.isInteger(cell) && cell > 0)) throw new EngineError('BAD_INPUT', `cell: got ${cell}, expected a positive integer`);
  const cols = Math.max(1, Math.ceil(width / cell));
  const rows = Math.max(1, Math.ceil(height / cell));
  const lists: number[][] = Array.from({ length: cols * rows }, () => []);
  result.detections.forEach((d, i) => {
    const m = d.mask;
    checkMask(m, i);
    if (m.width === 0 || m.height === 0) return;
    const c0 = Math.max(0, Math.floor(m.x / cell));
    const r0 = Math.max(0, Math.floor(m.y / cell));
    const c1 = Math.min(cols - 1, Math.floor((m.x + m.width - 1) / cell));
    const r1 = Math.min(rows - 1, Math.floor((m.y + m.height - 1) / cell));
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) lists[r * cols + c].push(i);
  });
  return {
    width,
    height,
    detections: result.detections,
    cell,
    cols,
    rows,
    cells: lists.map((l) => Int32Array.from(l)),
    integrals: new Array(result.detections.length).fill(undefined),
  };
}

/** Whether mask `i` covers integer pixel (px, py). */
export function maskHas(index: MaskIndex, i: number, px: number, py: number): boolean {
  const m = index.detections[i].mask;
  const lx = px - m.x;
  const ly = py - m.y;
  return lx >= 0 && ly >= 0 && lx < m.width && ly < m.height && m.data[ly * m.width + lx] !== 0;
}

/** Indices of the masks covering integer pixel (px, py), ascending. */
export function masksAt(index: MaskIndex, px: number, py: number): number[] {
  const out: number[] = [];
  if (px < 0 || py < 0 || px >= index.width || py >= index.height) return out;
  const list = index.cells[Math.floor(py / index.cell) * index.cols + Math.floor(px / index.cell)];
  for (let k = 0; k < list.length; k++) if (maskHas(index, list[k], px, py)) out.push(list[k]);
  return out;
}

/** Summed-area table of mask i (built on first use). */
function integral(index: MaskIndex, i: number): Uint32Array {
  let s = index.integrals[i];
  if (s) return s;
  const m = index.detections[i].mask;
  const w = m.width;
  const W = w + 1;
  s = new Uint32Array(W * (m.height + 1));
  for (let y = 0; y < m.height; y++) {
    let row = 0;
    const src = y * w;
    const dst = (y + 1) * W;
    for (let x = 0; x < w; x++) {
      row += m.data[src + x] !== 0 ? 1 : 0;
      s[dst + x + 1] = s[dst - W + x + 1] + row;
    }
  }
  index.integrals[i] = s;
  return s;
}

/** Number of pixels of mask i inside the integer pixel rectangle [x0, x1) × [y0, y1). */
export function maskPixelsIn(index: MaskIndex, i: number, x0: number, y0: number, x1: number, y1: number): number {
  const m = index.detections[i].mask;
  const ax = Math.max(x0 - m.x, 0);
  const ay = Math.max(y0 - m.y, 0);
  const bx = Math.min(x1 - m.x, m.width);
  const by = Math.min(y1 - m.y, m.height);
  if (bx <= ax || by <= ay) return 0;
  const s = integral(index, i);
  const W = m.width + 1;
  return s[by * W + bx] - s[ay * W + bx] - s[by * W + ax] + s[ay * W + ax];
}

/** Mask area (stored `area`, else counted once). */
export function maskArea(index: MaskIndex, i: number): number {
  const d = index.detections[i];
  if (Number.isFinite(d.area) && d.area >= 0) return d.area;
  const m = d.mask;
  return maskPixelsIn(index, i, m.x, m.y, m.x + m.width, m.y + m.height);
}

/** Indices of masks whose bounding box intersects the integer rectangle [x0, x1) × [y0, y1). */
export function masksTouching(index: MaskIndex, x0: number, y0: number, x1: number, y1: number): number[] {
  const c0 = Math.max(0, Math.floor(x0 / index.cell));
  const r0 = Math.max(0, Math.floor(y0 / index.cell));
  const c1 = Math.min(index.cols - 1, Math.floor((x1 - 1) / index.cell));
  const r1 = Math.min(index.rows - 1, Math.floor((y1 - 1) / index.cell));
  const seen = new Uint8Array(index.detections.length);
  const out: number[] = [];
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const list = index.cells[r * index.cols + c];
      for (let k = 0; k < list.length; k++) {
        const i = list[k];
        if (seen[i]) continue;
        seen[i] = 1;
        const m = index.detections[i].mask;
        if (m.x < x1 && m.y < y1 && m.x + m.width > x0 && m.y + m.height > y0) out.push(i);
      }
    }
  }
  return out.sort((a, b) => a - b);
}
