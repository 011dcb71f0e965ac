/**
 * Exact raster → polygon tracing: rings that follow pixel edges, with holes, one polygon per
 * 4-connected component of pixels with the same nonzero value (GDAL's gdal_polygonize default
 * connectedness: a label raster gives one polygon per value, and touching labels share their pixel
 * edges exactly; a 0/1 mask gives one polygon per component). Where two
 * pixels of one component touch only at a corner, the ring pinches there and the pixels stay apart, as
 * 4-connectivity says. Pure function on a typed array; coordinates are pixel-corner coordinates
 * (integers; x right, y down) plus the given offset.
 *
 * Why hand-written rather than d3-contour: d3-contour's marching squares cut pixel corners (its
 * isolines pass through pixel centres with diagonal segments), so polygons are not pixel-edge exact
 * (areas differ from the pixel count by half a pixel per boundary corner) and it has no notion of
 * connected components; see trace.test.ts, which measures both against the pixel counts.
 */

export interface TracedPolygon {
  /** rings[0] is the outer ring, the rest are holes; each a flat [x0, y0, x1, y1, ...] without closing point. */
  rings: Float64Array[];
  /** Number of pixels in the component. */
  pixels: number;
  /** Bounding box of the component in output coordinates [x0, y0, x1, y1]. */
  bbox: [number, number, number, number];
}

export interface TraceOptions {
  /** Added to every x / y (e.g. a cropped mask's position in the full image). Default 0. */
  offsetX?: number;
  offsetY?: number;
  /** The box [x0, y0, x1, y1) of the set pixels in the mask, when known (CroppedMask.setBox): not scanned for. */
  setBox?: readonly [number, number, number, number];
}

// Grow-only scratch arrays, reused from call to call on this thread (tracing is synchronous): a tile
// traces hundreds of masks, and fresh arrays per mask were most of the garbage a tile made (profiled:
// ~20 ms of collection per 640 tile).
let scratchI32: Int32Array[] = [];
let scratchU8: Uint8Array[] = [];
let scratchF64: Float64Array[] = [];
function f64(slot: number, n: number): Float64Array {
  if (!scratchF64[slot] || scratchF64[slot].length < n) scratchF64[slot] = new Float64Array(Math.max(n, 2 * (scratchF64[slot]?.length ?? 0)));
  return scratchF64[slot].subarray(0, n);
}
function i32(slot: number, n: number): Int32Array {
  if (!scratchI32[slot] || scratchI32[slot].length < n) scratchI32[slot] = new Int32Array(Math.max(n, 2 * (scratchI32[slot]?.length ?? 0)));
  return scratchI32[slot].subarray(0, n);
}
function u8(slot: number, n: number): Uint8Array {
  if (!scratchU8[slot] || scratchU8[slot].length < n) scratchU8[slot] = new Uint8Array(Math.max(n, 2 * (scratchU8[slot]?.length ?? 0)));
  return scratchU8[slot].subarray(0, n);
}

/**
 * The runs of equal nonzero pixels along rows, in scan order: pixels start[k] ≤ i < end[k] (indices into
 * the grid, one row each). labelComponents' are views of scratch arrays, valid until its next call.
 */
export interface PixelRuns {
  start: Int32Array;
  end: Int32Array;
}

/**
 * Labels 4-connected components of pixels with the same nonzero value (a 0/1 mask: of nonzero pixels).
 * Returns labels (0 = background, 1..n, numbered in the scan order of each component's first pixel) and n.
 * Works on runs of equal pixels along rows (a run joins the runs of the row above that it overlaps and
 * that have its value; union–find over run labels), so the per-pixel work is finding the runs and
 * filling them: a building mask has a run or two per row.
 */
export function labelComponents(mask: ArrayLike<number>, width: number, height: number, into?: Int32Array): { labels: Int32Array; count: number; runs: PixelRuns } {
  return labelWindow(mask, width, 0, 0, width, height, into);
}

/**
 * labelComponents of the window [x0, x0 + width) × [y0, y0 + height) of a mask whose rows are `stride`
 * pixels long, read in place (no copy of the window): labels and runs in the window's own coordinates.
 */
function labelWindow(mask: ArrayLike<number>, stride: number, x0: number, y0: number, width: number, height: number, into?: Int32Array): { labels: Int32Array; count: number; runs: PixelRuns } {
  // `into` (scratch, width × height long): written over, returned as the labels.
  const labels = into ? into.fill(0) : new Int32Array(width * height);
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  // Every run: its first pixel's index, its end (exclusive, same row), its provisional label. The runs
  // of the row above are runs [prev0, prev1) of these arrays, in order along the row.
  let cap = 2 * height + 16;
  let rS = i32(5, cap), rE = i32(6, cap), rL = i32(7, cap);
  let rV = f64(0, cap);
  let runs = 0;
  let prev0 = 0, prev1 = 0;
  for (let y = 0; y < height; y++) {
    // i: index in the mask; run ends are kept in window indices (row + column).
    const src = (y0 + y) * stride + x0 - y * width;
    const row = y * width;
    const end = row + width;
    const first = runs;
    let p = prev0;
    let i = row;
    while (i < end) {
      const v = mask[src + i];
      if (!v) { i++; continue; }
      const s = i;
      while (i < end && mask[src + i] === v) i++;
      // Runs above overlapping [s, i): columns s − row … i − row − 1.
      const cs = s - width, ce = i - width;
      while (p < prev1 && rE[p] <= cs) p++;
      let label = 0;
      for (let q = p; q < prev1 && rS[q] < ce; q++) {
        if (rV[q] !== v) continue;
        const b = find(rL[q]);
        if (!label) label = b;
        else if (b !== label) {
          const a = find(label);
          if (a !== b) {
            const lo = a < b ? a : b;
            parent[a > b ? a : b] = lo;
            label = lo;
          }
        }
      }
      if (!label) {
        label = parent.length;
        parent.push(label);
      }
      if (runs === cap) {
        cap *= 2;
        const s2 = new Int32Array(cap); s2.set(rS.subarray(0, runs)); rS = s2;
        const e2 = new Int32Array(cap); e2.set(rE.subarray(0, runs)); rE = e2;
        const l2 = new Int32Array(cap); l2.set(rL.subarray(0, runs)); rL = l2;
        const v2 = new Float64Array(cap); v2.set(rV.subarray(0, runs)); rV = v2;
      }
      rS[runs] = s;
      rE[runs] = i;
      rL[runs] = label;
      rV[runs] = v;
      runs++;
    }
    prev0 = first;
    prev1 = runs;
  }
  [scratchI32[5], scratchI32[6], scratchI32[7], scratchF64[0]] = [rS, rE, rL, rV];
  const remap = new Int32Array(parent.length);
  let count = 0;
  for (let k = 1; k < parent.length; k++) {
    const r = find(k);
    if (r === k) remap[k] = ++count;
  }
  for (let k = 1; k < parent.length; k++) remap[k] = remap[find(k)];
  for (let r = 0; r < runs; r++) labels.fill(remap[rL[r]], rS[r], rE[r]);
  return { labels, count, runs: { start: rS.subarray(0, runs), end: rE.subarray(0, runs) } };
}

// Directions in screen coordinates (y down): 0 east, 1 south, 2 west, 3 north; (d + 1) % 4 turns right.
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/** Traces every 4-connected component of same-valued nonzero pixels into a polygon with holes. */
export function tracePolygons(mask: ArrayLike<number>, width: number, height: number, options: TraceOptions = {}): TracedPolygon[] {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 0 && height >= 0) || mask.length < width * height) {
    throw new RangeError(`mask: got length ${mask.length} for ${width}×${height}, expected ${width * height}`);
  }
  // A mask cut from a detection box is mostly empty (in the bench's tiles its set pixels span ~30 % of
  // the box): label and trace only the rows and columns that hold set pixels. Same polygons (the scan
  // order of the pixels is unchanged), shifted back by the crop's corner.
  let x0 = width, x1 = -1, y0 = -1, y1 = -1;
  const known = options.setBox;
  if (known && known[0] >= 0 && known[1] >= 0 && known[2] <= width && known[3] <= height) {
    if (known[2] > known[0] && known[3] > known[1]) [x0, y0, x1, y1] = [known[0], known[1], known[2] - 1, known[3] - 1];
  } else for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) if (mask[row + x]) { first = x; break; }
    if (first < 0) continue;
    if (y0 < 0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    for (let x = width - 1; x > x1; x--) if (mask[row + x]) { x1 = x; break; }
  }
  if (y0 < 0) return [];
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  // Labelled in place on the set pixels' rows and columns (a window of the mask, not a copy).
  const { labels, count, runs } = labelWindow(mask, width, x0, y0, cw, ch, i32(0, cw * ch));
  return traceComponents(labels, count, cw, ch, { offsetX: (options.offsetX ?? 0) + x0, offsetY: (options.offsetY ?? 0) + y0 }, runs);
}

/**
 * traceComponents' boundary edges (start vertex, direction, label), in pixel scan order, with two
 * outgoing slots per vertex (out0, out1); where three or four labels meet, the rest go to `more`. The
 * edge arrays grow by doubling. A module-level class, not closures made per call: V8 keeps a closure's
 * optimized code only while one of its closures lives (util/gc-tuning.ts).
 */
class EdgeList {
  k = 0;
  eStart: Int32Array;
  eDir: Uint8Array;
  eLabel: Int32Array;
  readonly more = new Map<number, number[]>();

  constructor(private cap: number, private readonly out0: Int32Array, private readonly out1: Int32Array) {
    this.eStart = i32(1, cap);
    this.eDir = u8(1, cap);
    this.eLabel = i32(2, cap);
  }

  add(v: number, dir: number, label: number): void {
    const k = this.k;
    if (k === this.cap) {
      this.cap *= 2;
      const s2 = new Int32Array(this.cap); s2.set(this.eStart); this.eStart = s2;
      const d2 = new Uint8Array(this.cap); d2.set(this.eDir); this.eDir = d2;
      const l2 = new Int32Array(this.cap); l2.set(this.eLabel); this.eLabel = l2;
    }
    this.eStart[k] = v;
    this.eDir[k] = dir;
    this.eLabel[k] = label;
    if (this.out0[v] < 0) this.out0[v] = k;
    else if (this.out1[v] < 0) this.out1[v] = k;
    else {
      const l = this.more.get(v);
      if (l) l.push(k);
      else this.more.set(v, [k]);
    }
    this.k = k + 1;
  }

  /** The outgoing edge of label L at vertex w after an edge in direction d (at a pinch: turn right). */
  next(w: number, L: number, d: number): number {
    const eLabel = this.eLabel;
    let first = -1;
    let second = -1;
    let e = this.out0[w];
    if (e >= 0 && eLabel[e] === L) first = e;
    e = this.out1[w];
    if (e >= 0 && eLabel[e] === L) {
      if (first < 0) first = e;
      else second = e;
    }
    if (this.more.size > 0) {
      const l = this.more.get(w);
      if (l) {
        for (const e2 of l) {
          if (eLabel[e2] !== L) continue;
          if (first < 0) first = e2;
          else second = e2;
        }
      }
    }
    if (second >= 0 && this.eDir[first] !== (d + 1) % 4) return second;
    return first;
  }
}

/**
 * Traces the components of a label grid (0 = background, 1..count, each label 4-connected, as
 * labelComponents makes): result[k] is label k + 1. Touching labels share their pixel edges.
 * `runs`: the grid's runs as labelComponents gives them (each run one label, its neighbours along the
 * row other labels); then only the runs' pixels are visited, not the background.
 */
export function traceComponents(labels: Int32Array, count: number, width: number, height: number, options: TraceOptions = {}, runs?: PixelRuns): TracedPolygon[] {
  const ox = options.offsetX ?? 0;
  const oy = options.offsetY ?? 0;
  if (count === 0) return [];
  const W1 = width + 1;
  // Boundary edges in pixel scan order (top, right, bottom, left of each pixel), one pass with inline
  // neighbour tests.
  const edges = new EdgeList(4 * (width + height) + 16, i32(3, W1 * (height + 1)).fill(-1), i32(4, W1 * (height + 1)).fill(-1));
  const comps: { pixels: number; x0: number; y0: number; x1: number; y1: number; rings: Float64Array[]; outer: number }[] = [];
  for (let c = 0; c <= count; c++) comps.push({ pixels: 0, x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity, rings: [], outer: -1 });
  const lastX = width - 1;
  const lastY = height - 1;
  if (runs) {
    // The same edges in the same order as the pixel scan below: a run's first pixel has a left edge,
    // its last a right edge (the pixels beside it hold other labels), the rest only top / bottom ones.
    for (let r = 0; r < runs.start.length; r++) {
      const s = runs.start[r];
      const e = runs.end[r];
      const y = (s / width) | 0;
      const xs = s - y * width;
      const xl = e - 1 - y * width;
      const L = labels[s];
      const c = comps[L];
      c.pixels += e - s;
      if (xs < c.x0) c.x0 = xs;
      if (y < c.y0) c.y0 = y;
      if (xl + 1 > c.x1) c.x1 = xl + 1;
      if (y + 1 > c.y1) c.y1 = y + 1;
      const vRow = y * W1 - y * width;
      for (let i = s; i < e; i++) {
        const v = vRow + i;
        if (y === 0 || labels[i - width] !== L) edges.add(v, 0, L);
        if (i === e - 1) edges.add(v + 1, 1, L);
        if (y === lastY || labels[i + width] !== L) edges.add(v + W1 + 1, 2, L);
        if (i === s) edges.add(v + W1, 3, L);
      }
    }
  } else for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const L = labels[i];
      if (!L) continue;
      const c = comps[L];
      c.pixels++;
      if (x < c.x0) c.x0 = x;
      if (y < c.y0) c.y0 = y;
      if (x + 1 > c.x1) c.x1 = x + 1;
      if (y + 1 > c.y1) c.y1 = y + 1;
      const v = y * W1 + x;
      if (y === 0 || labels[i - width] !== L) edges.add(v, 0, L);
      if (x === lastX || labels[i + 1] !== L) edges.add(v + 1, 1, L);
      if (y === lastY || labels[i + width] !== L) edges.add(v + W1 + 1, 2, L);
      if (x === 0 || labels[i - 1] !== L) edges.add(v + W1, 3, L);
    }
  }
  const m = edges.k;
  const { eStart, eDir } = edges;
  const visited = u8(2, m).fill(0);
  const pts: number[] = [];
  for (let e0 = 0; e0 < m; e0++) {
    if (visited[e0]) continue;
    const L = edges.eLabel[e0];
    pts.length = 0;
    let e = e0;
    let prevDir = -1;
    let area2 = 0;
    for (;;) {
      visited[e] = 1;
      const v = eStart[e];
      const vx = v % W1;
      const vy = (v - vx) / W1;
      const d = eDir[e];
      if (d !== prevDir) pts.push(vx, vy);
      prevDir = d;
      const ex = vx + DX[d];
      const ey = vy + DY[d];
      area2 += vx * ey - ex * vy;
      const next = edges.next(ey * W1 + ex, L, d);
      if (next === e0) {
        // Drop the start point if the ring closes in a straight line through it.
        if (eDir[e0] === eDir[e] && pts.length > 2) pts.splice(0, 2);
        break;
      }
      e = next;
    }
    const ring = new Float64Array(pts.length);
    for (let i = 0; i < pts.length; i += 2) {
      ring[i] = pts[i] + ox;
      ring[i + 1] = pts[i + 1] + oy;
    }
    const comp = comps[L];
    if (area2 > 0) {
      comp.outer = comp.rings.length;
      comp.rings.unshift(ring);
    } else comp.rings.push(ring);
  }
  const result: TracedPolygon[] = [];
  for (let c = 1; c <= count; c++) {
    const comp = comps[c];
    result.push({ rings: comp.rings, pixels: comp.pixels, bbox: [comp.x0 + ox, comp.y0 + oy, comp.x1 + ox, comp.y1 + oy] });
  }
  return result;
}
