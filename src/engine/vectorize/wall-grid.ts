/**
 * Instance masks → a label grid whose touching objects share walls (for vectorize/shared-walls).
 *
 * FastSAM's everything mode gives one mask per object, and masks may overlap (a block and its houses,
 * two views of one roof) or leave a pixel of background between two houses. Two masks are neighbours
 * when they touch or are one pixel apart and overlap by at most `maxOverlap` of the smaller one (a
 * wall band, not a nested or duplicate mask). Neighbours are painted into one grid: a pixel both claim
 * goes to the one it lies deeper inside (city-block distance to the mask's outside; ties to the higher
 * score), so an overlap band is split along its middle, and a one-pixel gap between two labels is
 * shared between them (closeWallGaps). Masks without a neighbour are left to the per-object path.
 */
import type { CroppedMask } from '../types.js';
import type { GeoRef } from '../geo/georef.js';
import { labelComponents } from './trace.js';
import type { ShapedPart } from './shape.js';
import { shapeLabelGrid } from './shared-walls.js';
import { contactRuns, maskRuns } from './mask-runs.js';
import type { MaskRuns } from './mask-runs.js';
import type { SharedWallOptions } from './shared-walls.js';

export interface WallObject {
  mask: CroppedMask;
  score: number;
}

/**
 * Closes one-pixel gaps between two different labels: a background pixel with different labels on its
 * left and right (else above and below) goes to one of them, alternating along the gap (by row, or by
 * column), so each side gets half of it and the regularized wall runs down the gap's middle. Then a
 * small pocket of background enclosed by two or more labels (at most `maxPocket` pixels, away from the
 * grid's edge) goes to the label that borders it most. Returns the number of pixels assigned.
 */
export function closeWallGaps(labels: Int32Array, width: number, height: number, maxPocket = 8): number {
  const src = labels.slice();
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (src[i]) continue;
      const l = x > 0 ? src[i - 1] : 0;
      const r = x + 1 < width ? src[i + 1] : 0;
      const u = y > 0 ? src[i - width] : 0;
      const d = y + 1 < height ? src[i + width] : 0;
      if (l && r && l !== r) labels[i] = y % 2 ? r : l;
      else if (u && d && u !== d) labels[i] = x % 2 ? d : u;
      else continue;
      n++;
    }
  }
  // Pockets: small 4-connected background regions bordered by several labels. A region that reaches
  // the grid's edge or grows past maxPocket is only flooded (marked seen), not counted.
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const pocket = new Int32Array(maxPocket + 1);
  const border = new Map<number, number>();
  for (let s0 = 0; s0 < labels.length; s0++) {
    if (labels[s0] || seen[s0]) continue;
    let np = 0;
    border.clear();
    let open = false;
    let sp = 0;
    stack[sp++] = s0;
    seen[s0] = 1;
    while (sp) {
      const p = stack[--sp];
      if (np <= maxPocket) pocket[np++] = p;
      const x = p % width, y = (p - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) open = true;
      const count = !open && np <= maxPocket;
      for (let k = 0; k < 4; k++) {
        let q: number;
        if (k === 0) { if (x === 0) continue; q = p - 1; }
        else if (k === 1) { if (x + 1 >= width) continue; q = p + 1; }
        else if (k === 2) { if (y === 0) continue; q = p - width; }
        else { if (y + 1 >= height) continue; q = p + width; }
        const L = labels[q];
        if (L) { if (count) border.set(L, (border.get(L) ?? 0) + 1); }
        else if (!seen[q]) {
          seen[q] = 1;
          stack[sp++] = q;
        }
      }
    }
    if (open || np > maxPocket || border.size < 2) continue;
    let best = 0;
    for (const [L, c] of border) if (!best || c > border.get(best)! || (c === border.get(best)! && L < best)) best = L;
    for (let k = 0; k < np; k++) labels[pocket[k]] = best;
    n += np;
  }
  return n;
}

type Box = [number, number, number, number];
const boxOf = (m: CroppedMask): Box => [m.x, m.y, m.x + m.width, m.y + m.height];

/**
 * Overlap pixels and whether the masks touch or are at most one pixel apart: some pixel of `a` has a
 * pixel of `b` on it or 1–2 pixels away along a row or a column. Direct indexing: the overlap is counted
 * over the two boxes' intersection only, and the nearness scan (only when nothing overlaps) stops at
 * the first hit. (Profiled: the per-pixel accessor form of this was the largest cost of shaping a tile.)
 */
export function contact(a: CroppedMask, b: CroppedMask, ta: Box = boxOf(a), tb: Box = boxOf(b)): { overlap: number; near: boolean } {
  // ta / tb: boxes (inside the masks' own) outside which the masks have no pixel, e.g. their tight boxes.
  const ad = a.data, bd = b.data, aw = a.width, bw = b.width;
  const bx0 = b.x, by0 = b.y, bx1 = b.x + b.width, by1 = b.y + b.height;
  let overlap = 0;
  const ix0 = Math.max(ta[0], tb[0]), ix1 = Math.min(ta[2], tb[2]);
  const iy0 = Math.max(ta[1], tb[1]), iy1 = Math.min(ta[3], tb[3]);
  for (let y = iy0; y < iy1; y++) {
    const ra = (y - a.y) * aw - a.x;
    const rb = (y - by0) * bw - bx0;
    for (let x = ix0; x < ix1; x++) if (ad[ra + x] && bd[rb + x]) overlap++;
  }
  if (overlap > 0) return { overlap, near: true };
  // Pixels of `a` within 2 of b's box (others cannot be near b along a row or a column).
  const x0 = Math.max(ta[0], tb[0] - 2), y0 = Math.max(ta[1], tb[1] - 2);
  const x1 = Math.min(ta[2], tb[2] + 2), y1 = Math.min(ta[3], tb[3] + 2);
  for (let y = y0; y < y1; y++) {
    const ra = (y - a.y) * aw - a.x;
    const rowIn = y >= by0 && y < by1;
    const rb = (y - by0) * bw - bx0;
    for (let x = x0; x < x1; x++) {
      if (!ad[ra + x]) continue;
      if (rowIn) {
        for (let s = 1; s <= 2; s++) {
          if (x + s >= bx0 && x + s < bx1 && bd[rb + x + s]) return { overlap, near: true };
          if (x - s >= bx0 && x - s < bx1 && bd[rb + x - s]) return { overlap, near: true };
        }
      }
      if (x >= bx0 && x < bx1) {
        for (let s = 1; s <= 2; s++) {
          if (y + s >= by0 && y + s < by1 && bd[(y + s - by0) * bw + x - bx0]) return { overlap, near: true };
          if (y - s >= by0 && y - s < by1 && bd[(y - s - by0) * bw + x - bx0]) return { overlap, near: true };
        }
      }
    }
  }
  return { overlap, near: false };
}

/**
 * City-block distance of every mask pixel to the nearest pixel outside the mask (two passes), over the
 * box `t` (inside the mask's, holding all its set pixels): d[(y - t[1]) * (t[2] - t[0]) + x - t[0]] for
 * global pixel (x, y). Pixels outside `t` are unset or outside the mask, so the distances are those
 * over the whole mask.
 */
function depth(m: CroppedMask, t: Box): Int32Array {
  const { data } = m;
  const w = t[2] - t[0], h = t[3] - t[1];
  const d = new Int32Array(w * h);
  const big = m.width + m.height + 2;
  for (let y = 0; y < h; y++) {
    const row = (y + t[1] - m.y) * m.width + t[0] - m.x;
    for (let x = 0; x < w; x++) {
      if (!data[row + x]) continue;
      const i = y * w + x;
      const up = y > 0 ? d[i - w] : 0;
      const left = x > 0 ? d[i - 1] : 0;
      d[i] = Math.min(up, left, big) + 1;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    const row = (y + t[1] - m.y) * m.width + t[0] - m.x;
    for (let x = w - 1; x >= 0; x--) {
      if (!data[row + x]) continue;
      const i = y * w + x;
      const down = y + 1 < h ? d[i + w] : 0;
      const right = x + 1 < w ? d[i + 1] : 0;
      d[i] = Math.min(d[i], down + 1, right + 1);
    }
  }
  return d;
}

/** Set pixels more than 2 apart in x or in y can neither overlap nor be near (contact's definition). */
const apart = (s: Box, t: Box): boolean => s[0] > t[2] + 1 || t[0] > s[2] + 1 || s[1] > t[3] + 1 || t[1] > s[3] + 1;

/** The boxes being sorted by their left edge (set around the sort; a module-level comparator). */
let sortBoxes: Box[] = [];
const byLeft = (a: number, b: number): number => sortBoxes[a][0] - sortBoxes[b][0];

/** Union-find root of `a` (with path halving). */
function findRoot(parent: number[], a: number): number {
  while (parent[a] !== a) a = parent[a] = parent[parent[a]];
  return a;
}

/** A wall group's grid being painted (shapeObjectsWithWalls). */
interface GroupPaint {
  objs: WallObject[];
  members: number[];
  /** Tight boxes and depth maps of the members, by member index. */
  tight: Box[];
  depths: Int32Array[];
  grid: Int32Array;
  owner: Int32Array;
  x0: number;
  y0: number;
  w: number;
}

/**
 * Paints member `mi` into the group's grid: a pixel another member already holds goes to the one it
 * lies deeper inside (ties to the higher score, then to the earlier member). A module-level function,
 * not a closure made per call (V8 recompiled that closure on most calls: util/gc-tuning.ts).
 */
function paintMember(p: GroupPaint, mi: number): void {
  const { objs, members, tight, depths, grid, owner, x0, y0, w } = p;
  const k = members[mi];
  const m = objs[k].mask;
  const t = tight[mi];
  const dThisMap = depths[mi];
  const tw = t[2] - t[0];
  for (let r = t[1] - m.y; r < t[3] - m.y; r++) {
    for (let c = t[0] - m.x; c < t[2] - m.x; c++) {
      if (!m.data[r * m.width + c]) continue;
      const gi = (m.y + r - y0) * w + (m.x + c - x0);
      const prev = owner[gi];
      if (prev >= 0) {
        const pt = tight[prev];
        const dPrev = depths[prev][(m.y + r - pt[1]) * (pt[2] - pt[0]) + (m.x + c - pt[0])];
        const dThis = dThisMap[(m.y + r - t[1]) * tw + (m.x + c - t[0])];
        if (dPrev > dThis || (dPrev === dThis && objs[members[prev]].score >= objs[k].score)) continue;
      }
      owner[gi] = mi;
      grid[gi] = mi + 1;
    }
  }
}

/** Pairs of neighbouring masks (indices) and pairs that overlap too much to be neighbours. */
function pairs(objs: WallObject[], maxOverlap: number): { near: [number, number][]; clash: [number, number][]; ext: MaskRuns[] } {
  const near: [number, number][] = [];
  const clash: [number, number][] = [];
  const boxes = objs.map((o) => boxOf(o.mask));
  const ext = objs.map((o) => maskRuns(o.mask));
  const areas = ext.map((e) => e.area);
  sortBoxes = boxes;
  const order = objs.map((_, i) => i).sort(byLeft);
  sortBoxes = [];
  for (let p = 0; p < order.length; p++) {
    const i = order[p];
    for (let q = p + 1; q < order.length; q++) {
      const j = order[q];
      if (boxes[j][0] > boxes[i][2] + 1) break;
      if (boxes[j][1] > boxes[i][3] + 1 || boxes[i][1] > boxes[j][3] + 1) continue;
      if (apart(ext[i].tight, ext[j].tight)) continue;
      const c = contactRuns(ext[i], ext[j]);
      if (!c.near) continue;
      if (c.overlap <= maxOverlap * Math.min(areas[i], areas[j])) near.push([i, j]);
      else clash.push([i, j]);
    }
  }
  return { near, clash, ext };
}

/** The groups of objects that share walls (`members`: object indices) and the objects' runs, from wallGroups. */
export interface WallGroups {
  groups: number[][];
  ext: MaskRuns[];
}

/**
 * The objects that have a neighbour, in groups of touching masks (each shaped together by
 * shapeWallGroup); objects in no group have no neighbour: shape them one by one.
 */
export function wallGroups(objs: WallObject[], options: { maxOverlap?: number } = {}): WallGroups {
  const maxOverlap = options.maxOverlap ?? 0.15;
  const found = pairs(objs, maxOverlap);
  const { clash, ext } = found;
  let near = found.near;
  // A mask that overlaps another candidate heavily (nested, duplicate) stays on its own; the lower score yields.
  const out = new Set<number>();
  for (const [i, j] of clash) out.add(objs[i].score >= objs[j].score ? j : i);
  near = near.filter(([i, j]) => !out.has(i) && !out.has(j));
  if (near.length === 0) return { groups: [], ext };
  const parent = objs.map((_, i) => i);
  for (const [i, j] of near) {
    const a = findRoot(parent, i), b = findRoot(parent, j);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const groups = new Map<number, number[]>();
  for (const [i, j] of near) {
    for (const k of [i, j]) {
      const g = findRoot(parent, k);
      const l = groups.get(g) ?? [];
      if (!l.includes(k)) l.push(k);
      groups.set(g, l);
    }
  }
  return { groups: [...groups.values()], ext };
}

/** Shapes one group of wallGroups into `result` (object index → its parts). */
export function shapeWallGroup(objs: WallObject[], found: WallGroups, members: number[], geo: GeoRef, options: SharedWallOptions, result: Map<number, ShapedPart[]>): void {
  const { ext } = found;
  // The grid: the members' tight boxes with a background margin of at least one pixel, its origin
  // on the parity of the members' mask boxes' corner less one (closeWallGaps alternates by row and
  // column parity), so the result is that of a grid over the whole mask boxes, on fewer pixels.
  const bs = members.map((k) => boxOf(objs[k].mask));
  const ts = members.map((k) => ext[k].tight);
  const bx0 = Math.min(...bs.map((b) => b[0])) - 1, by0 = Math.min(...bs.map((b) => b[1])) - 1;
  let x0 = Math.min(...ts.map((b) => b[0])) - 1, y0 = Math.min(...ts.map((b) => b[1])) - 1;
  x0 -= (x0 - bx0) & 1;
  y0 -= (y0 - by0) & 1;
  const x1 = Math.max(...ts.map((b) => b[2])) + 1, y1 = Math.max(...ts.map((b) => b[3])) + 1;
  const w = x1 - x0, h = y1 - y0;
  const grid = new Int32Array(w * h);
  const owner = new Int32Array(w * h).fill(-1); // member index within the group
  const paint: GroupPaint = {
    objs, members, tight: members.map((k) => ext[k].tight), depths: members.map((k) => depth(objs[k].mask, ext[k].tight)),
    grid, owner, x0, y0, w,
  };
  for (let mi = 0; mi < members.length; mi++) paintMember(paint, mi);
  closeWallGaps(grid, w, h);
  const { labels, count } = labelComponents(grid, w, h);
  const objOf = new Int32Array(count + 1).fill(-1);
  for (let i = 0; i < labels.length; i++) if (labels[i] && objOf[labels[i]] < 0) objOf[labels[i]] = members[grid[i] - 1];
  const { traced, shaped } = shapeLabelGrid(labels, count, w, h, geo, { ...options, offsetX: x0, offsetY: y0 });
  for (const k of members) result.set(k, []);
  for (let L = 1; L <= count; L++) {
    const s = shaped[L - 1];
    if (s) result.get(objOf[L])!.push({ p: traced[L - 1], s });
  }
}

/**
 * Shapes the objects that have a neighbour with shared walls: a map from object index to its parts
 * (traced pixel polygon + shaped geometry; several when the painted object falls apart). Objects not
 * in the map have no neighbour: shape them one by one as before.
 */
export function shapeObjectsWithWalls(objs: WallObject[], geo: GeoRef, options: SharedWallOptions & { maxOverlap?: number } = {}): Map<number, ShapedPart[]> {
  const result = new Map<number, ShapedPart[]>();
  const found = wallGroups(objs, options);
  for (const members of found.groups) shapeWallGroup(objs, found, members, geo, options, result);
  return result;
}

/**
 * Streaming helper for the tile pipeline: objects that touch a mask still pending (a later tile row
 * may hold their neighbour) wait for the next batch, so that neighbours are shaped together.
 */
export class WallBatcher {
  private held: WallObject[] = [];

  /** The objects of `done` (plus those held before) that no pending mask can touch any more. */
  ready<T extends WallObject>(done: T[], pending: { mask: CroppedMask }[]): T[] {
    const all = [...(this.held as T[]), ...done];
    const hold: T[] = [];
    const go: T[] = [];
    for (const o of all) {
      const b = boxOf(o.mask);
      const touches = pending.some((p) => {
        const q = boxOf(p.mask);
        return q[0] <= b[2] + 1 && b[0] <= q[2] + 1 && q[1] <= b[3] + 1 && b[1] <= q[3] + 1 && contact(o.mask, p.mask).near;
      });
      (touches ? hold : go).push(o);
    }
    this.held = hold;
    return go;
  }

  /** Everything still held (at the end of the raster). */
  flush<T extends WallObject>(): T[] {
    const h = this.held as T[];
    this.held = [];
    return h;
  }
}
