/**
 * Exact raster → polygon tracing: rings that follow pixel edges, with holes, one polygon per
 * 4-connected component of nonzero pixels (GDAL's gdal_polygonize default connectedness). Where two
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
}

/** Labels 4-connected components of nonzero pixels. Returns labels (0 = background, 1..n) and n. */
export function labelComponents(mask: ArrayLike<number>, width: number, height: number): { labels: Int32Array; count: number } {
  const n = width * height;
  const labels = new Int32Array(n);
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const left = x > 0 && mask[i - 1] ? labels[i - 1] : 0;
      const up = y > 0 && mask[i - width] ? labels[i - width] : 0;
      if (left && up) {
        const a = find(left);
        const b = find(up);
        labels[i] = a < b ? a : b;
        if (a !== b) parent[a > b ? a : b] = a < b ? a : b;
      } else if (left || up) {
        labels[i] = left || up;
      } else {
        labels[i] = parent.length;
        parent.push(parent.length);
      }
    }
  }
  const remap = new Int32Array(parent.length);
  let count = 0;
  for (let k = 1; k < parent.length; k++) {
    const r = find(k);
    if (r === k) remap[k] = ++count;
  }
  for (let k = 1; k < parent.length; k++) remap[k] = remap[find(k)];
  for (let i = 0; i < n; i++) if (labels[i]) labels[i] = remap[labels[i]];
  return { labels, count };
}

// Directions in screen coordinates (y down): 0 east, 1 south, 2 west, 3 north; (d + 1) % 4 turns right.
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/** Traces every 4-connected component of nonzero pixels into a polygon with holes. */
export function tracePolygons(mask: ArrayLike<number>, width: number, height: number, options: TraceOptions = {}): TracedPolygon[] {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 0 && height >= 0) || mask.length < width * height) {
    throw new RangeError(`mask: got length ${mask.length} for ${width}×${height}, expected ${width * height}`);
  }
  const ox = options.offsetX ?? 0;
  const oy = options.offsetY ?? 0;
  const { labels, count } = labelComponents(mask, width, height);
  if (count === 0) return [];
  const W1 = width + 1;
  const fg = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] !== 0;

  // Count boundary edges, then store them (start vertex, direction, label) with two outgoing slots per vertex.
  let m = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!labels[y * width + x]) continue;
      if (!fg(x, y - 1)) m++;
      if (!fg(x + 1, y)) m++;
      if (!fg(x, y + 1)) m++;
      if (!fg(x - 1, y)) m++;
    }
  }
  const eStart = new Int32Array(m);
  const eDir = new Uint8Array(m);
  const eLabel = new Int32Array(m);
  const out0 = new Int32Array(W1 * (height + 1)).fill(-1);
  const out1 = new Int32Array(W1 * (height + 1)).fill(-1);
  let k = 0;
  const add = (vx: number, vy: number, dir: number, label: number): void => {
    const v = vy * W1 + vx;
    eStart[k] = v;
    eDir[k] = dir;
    eLabel[k] = label;
    if (out0[v] < 0) out0[v] = k;
    else out1[v] = k;
    k++;
  };
  const comps: { pixels: number; x0: number; y0: number; x1: number; y1: number; rings: Float64Array[]; outer: number }[] = [];
  for (let c = 0; c <= count; c++) comps.push({ pixels: 0, x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity, rings: [], outer: -1 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const L = labels[y * width + x];
      if (!L) continue;
      const c = comps[L];
      c.pixels++;
      if (x < c.x0) c.x0 = x;
      if (y < c.y0) c.y0 = y;
      if (x + 1 > c.x1) c.x1 = x + 1;
      if (y + 1 > c.y1) c.y1 = y + 1;
      if (!fg(x, y - 1)) add(x, y, 0, L);
      if (!fg(x + 1, y)) add(x + 1, y, 1, L);
      if (!fg(x, y + 1)) add(x + 1, y + 1, 2, L);
      if (!fg(x - 1, y)) add(x, y + 1, 3, L);
    }
  }

  const visited = new Uint8Array(m);
  const pts: number[] = [];
  for (let e0 = 0; e0 < m; e0++) {
    if (visited[e0]) continue;
    const L = eLabel[e0];
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
      const w = ey * W1 + ex;
      const a = out0[w];
      const b = out1[w];
      let next: number;
      if (b >= 0 && eLabel[a] === L && eLabel[b] === L) next = eDir[a] === (d + 1) % 4 ? a : b; // pinch: turn right
      else next = eLabel[a] === L ? a : b;
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
