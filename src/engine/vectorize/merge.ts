/**
 * Seam merge across overlapping tiles, in global pixel space on masks (exact, no polygon clipping).
 *
 * Two detections from different tiles are the same object when, inside the window both tiles see,
 * their masks agree: |A ∩ B ∩ S| / |(A ∪ B) ∩ S| ≥ `minSharedIoU` (S = the shared window). This one test
 * covers duplicates (an object wholly inside the overlap, seen twice), an object cut by one tile's edge
 * but whole in its neighbour, and a large object cut in every tile. Per group: if any member is whole
 * (does not touch an inner tile edge), the best-scored whole member is kept; otherwise the fragments are
 * united (pixel OR) and scored by the best fragment. Results are ordered by position (top, then left,
 * then score) and numbered from 1, so ids are stable for a given raster and settings.
 */
import type { CroppedMask } from '../types.js';
import type { PixelWindow } from '../raster/open.js';
import { knownSetBox } from './mask-runs.js';

export interface Candidate {
  tile: number;
  /** The window of the tile that produced it. */
  tileWindow: PixelWindow;
  score: number;
  /** Mask in global raster pixels. */
  mask: CroppedMask;
  /** Mask pixels. */
  area: number;
  /** Touches a tile edge that is not the edge of the processed area. */
  cut: boolean;
}

export interface MergedObject {
  id: number;
  score: number;
  mask: CroppedMask;
  area: number;
  /** Tile of the kept detection (the first fragment's tile for united fragments). */
  tile: number;
  /** Number of detections merged into this object. */
  members: number;
  /** 'whole' | 'fragments' */
  source: 'whole' | 'fragments';
}

export interface MergeOptions {
  /** Default 0.5. */
  minSharedIoU?: number;
}

/** Whether the mask has a pixel on an edge of `tile` that lies inside `area` (an inner seam). */
export function touchesInnerEdge(mask: CroppedMask, tile: PixelWindow, area: PixelWindow): boolean {
  const { x, y, width: w, height: h, data } = mask;
  const col = (cx: number): boolean => {
    const c = cx - x;
    if (c < 0 || c >= w) return false;
    for (let r = 0; r < h; r++) if (data[r * w + c]) return true;
    return false;
  };
  const row = (ry: number): boolean => {
    const r = ry - y;
    if (r < 0 || r >= h) return false;
    for (let c = 0; c < w; c++) if (data[r * w + c]) return true;
    return false;
  };
  return (
    (tile[0] > area[0] && col(tile[0])) ||
    (tile[2] < area[2] && col(tile[2] - 1)) ||
    (tile[1] > area[1] && row(tile[1])) ||
    (tile[3] < area[3] && row(tile[3] - 1))
  );
}

function intersect(a: PixelWindow, b: PixelWindow): PixelWindow | null {
  const r: PixelWindow = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return r[0] < r[2] && r[1] < r[3] ? r : null;
}

const boxOf = (m: CroppedMask): PixelWindow => [m.x, m.y, m.x + m.width, m.y + m.height];

/** The box of the mask's set pixels when known (CroppedMask.setBox), else its whole box. */
function setBoxOf(m: CroppedMask): PixelWindow {
  const b = knownSetBox(m);
  return b ? [m.x + b[0], m.y + b[1], m.x + b[2], m.y + b[3]] : boxOf(m);
}

/** |A ∩ B ∩ S| / |(A ∪ B) ∩ S| for masks in global pixels. */
export function sharedIoU(a: CroppedMask, b: CroppedMask, s: PixelWindow): number {
  // Only the boxes of the set pixels are scanned (no set pixel lies outside them): most pairs whose
  // mask boxes overlap at a seam have set pixels apart (960 of 1158 pairs on the bench's 4×4 raster).
  const ra = intersect(setBoxOf(a), s);
  const rb = intersect(setBoxOf(b), s);
  if (!ra || !rb) return 0;
  // |A ∩ B ∩ S| over the boxes' common part only (none: 0), then |(A ∪ B) ∩ S| = |A ∩ S| + |B ∩ S| − that.
  const ri = intersect(ra, rb);
  if (!ri) return 0;
  let inter = 0;
  for (let y = ri[1]; y < ri[3]; y++) {
    const oa = (y - a.y) * a.width - a.x;
    const ob = (y - b.y) * b.width - b.x;
    for (let x = ri[0]; x < ri[2]; x++) inter += a.data[oa + x] & b.data[ob + x];
  }
  if (inter === 0) return 0;
  const count = (m: CroppedMask, r: PixelWindow): number => {
    let n = 0;
    for (let y = r[1]; y < r[3]; y++) {
      const o = (y - m.y) * m.width - m.x;
      for (let x = r[0]; x < r[2]; x++) n += m.data[o + x];
    }
    return n;
  };
  const uni = count(a, ra) + count(b, rb) - inter;
  return uni > 0 ? inter / uni : 0;
}

function unionMasks(masks: CroppedMask[]): { mask: CroppedMask; area: number } {
  const x0 = Math.min(...masks.map((m) => m.x));
  const y0 = Math.min(...masks.map((m) => m.y));
  const x1 = Math.max(...masks.map((m) => m.x + m.width));
  const y1 = Math.max(...masks.map((m) => m.y + m.height));
  const w = x1 - x0;
  const h = y1 - y0;
  const data = new Uint8Array(w * h);
  for (const m of masks) {
    for (let r = 0; r < m.height; r++) {
      const src = r * m.width;
      const dst = (m.y - y0 + r) * w + (m.x - x0);
      for (let c = 0; c < m.width; c++) if (m.data[src + c]) data[dst + c] = 1;
    }
  }
  let area = 0;
  for (let i = 0; i < data.length; i++) area += data[i];
  return { mask: { x: x0, y: y0, width: w, height: h, data }, area };
}

/** Groups of candidate indices that are one object (union-find over neighbouring tiles' masks). */
function groupCandidates(cands: Candidate[], minIoU: number): number[][] {
  const n = cands.length;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    return a;
  };
  // Grid buckets over mask boxes to find neighbours.
  const cell = 256;
  const buckets = new Map<string, number[]>();
  cands.forEach((c, i) => {
    const b = boxOf(c.mask);
    for (let gy = Math.floor(b[1] / cell); gy <= Math.floor((b[3] - 1) / cell); gy++) {
      for (let gx = Math.floor(b[0] / cell); gx <= Math.floor((b[2] - 1) / cell); gx++) {
        const k = `${gx},${gy}`;
        let l = buckets.get(k);
        if (!l) buckets.set(k, (l = []));
        l.push(i);
      }
    }
  });
  const seen = new Set<number>();
  for (const list of buckets.values()) {
    for (let p = 0; p < list.length; p++) {
      for (let q = p + 1; q < list.length; q++) {
        const i = list[p];
        const j = list[q];
        const a = cands[i];
        const b = cands[j];
        if (a.tile === b.tile) continue;
        const key = i < j ? i * n + j : j * n + i;
        if (seen.has(key)) continue;
        seen.add(key);
        if (!intersect(boxOf(a.mask), boxOf(b.mask))) continue;
        const shared = intersect(a.tileWindow, b.tileWindow);
        if (!shared) continue;
        if (sharedIoU(a.mask, b.mask, shared) >= minIoU) {
          const ri = find(i);
          const rj = find(j);
          if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
        }
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(i);
  }
  return [...groups.values()];
}

/** One object from a group: the best-scored whole member, else the union of the fragments. */
function mergeGroup(cands: Candidate[], g: number[]): Omit<MergedObject, 'id'> {
  const whole = g.filter((i) => !cands[i].cut);
  if (whole.length > 0) {
    const best = whole.reduce((a, b) => (cands[b].score > cands[a].score ? b : a));
    const c = cands[best];
    return { score: c.score, mask: c.mask, area: c.area, tile: c.tile, members: g.length, source: 'whole' };
  }
  const u = unionMasks(g.map((i) => cands[i].mask));
  return { score: Math.max(...g.map((i) => cands[i].score)), mask: u.mask, area: u.area, tile: cands[g[0]].tile, members: g.length, source: 'fragments' };
}

const byPosition = (a: Omit<MergedObject, 'id'>, b: Omit<MergedObject, 'id'>): number => a.mask.y - b.mask.y || a.mask.x - b.mask.x || b.score - a.score;

export function mergeSeams(cands: Candidate[], options: MergeOptions = {}): MergedObject[] {
  const out = groupCandidates(cands, options.minSharedIoU ?? 0.5).map((g) => mergeGroup(cands, g));
  out.sort(byPosition);
  return out.map((o, k) => ({ id: k + 1, ...o }));
}

/**
 * Streaming form of mergeSeams for a raster processed in tile rows: the objects whose every member
 * lies above `limitY` (the top row of every tile still to come) can never meet a later detection, so
 * they are final now (`done`, ids from 1 within this call); the members of every other group are
 * returned as `pending`, to be merged again with the next rows. Applied row by row, the union of the
 * `done` objects equals mergeSeams over all candidates, while only about one tile row of masks is held.
 */
export function mergeFinished(cands: Candidate[], limitY: number, options: MergeOptions = {}): { done: MergedObject[]; pending: Candidate[] } {
  const done: Omit<MergedObject, 'id'>[] = [];
  const pending: Candidate[] = [];
  for (const g of groupCandidates(cands, options.minSharedIoU ?? 0.5)) {
    const bottom = Math.max(...g.map((i) => cands[i].mask.y + cands[i].mask.height));
    if (bottom <= limitY) done.push(mergeGroup(cands, g));
    else for (const i of g) pending.push(cands[i]);
  }
  done.sort(byPosition);
  return { done: done.map((o, k) => ({ id: k + 1, ...o })), pending };
}
