import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contours } from 'd3-contour';
import { labelComponents, traceComponents, tracePolygons } from './trace.js';
import { polygonArea } from './rings.js';
import { xor } from 'polyclip-ts';
import { toPairs } from './rings.js';
import { multiArea } from '../testing/iou.js';

const grid = (rows: string[]): { data: Uint8Array; w: number; h: number } => {
  const h = rows.length;
  const w = rows[0].length;
  const data = new Uint8Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (data[y * w + x] = c === '#' ? 1 : 0)));
  return { data, w, h };
};

test('a single pixel is the unit square at its pixel corners (hand-computed)', () => {
  const { data, w, h } = grid(['...', '.#.', '...']);
  const [p] = tracePolygons(data, w, h);
  assert.deepEqual(Array.from(p.rings[0]), [1, 1, 2, 1, 2, 2, 1, 2]);
  assert.equal(p.pixels, 1);
  assert.deepEqual(p.bbox, [1, 1, 2, 2]);
});

test('a ring of pixels gives an outer ring and one hole; areas equal the pixel count', () => {
  const { data, w, h } = grid(['#####', '#...#', '#.#.#', '#...#', '#####']);
  const polys = tracePolygons(data, w, h, { offsetX: 10, offsetY: 20 });
  assert.equal(polys.length, 2); // the frame and the island inside its hole
  const frame = polys.find((p) => p.rings.length === 2)!;
  assert.equal(frame.pixels, 16);
  assert.equal(polygonArea(frame.rings), 16);
  assert.deepEqual(Array.from(frame.rings[0]), [10, 20, 15, 20, 15, 25, 10, 25]);
  const island = polys.find((p) => p.rings.length === 1)!;
  assert.deepEqual(Array.from(island.rings[0]), [12, 22, 13, 22, 13, 23, 12, 23]);
});

test('4-connectivity: diagonal pixels are separate polygons; a pinched ring of one component stays one polygon', () => {
  const diag = grid(['#.', '.#']);
  assert.equal(tracePolygons(diag.data, diag.w, diag.h).length, 2);
  // A U whose arms touch the middle only at a corner: one component (connected through the bottom).
  const u = grid(['#..', '#.#', '###']);
  const polys = tracePolygons(u.data, u.w, u.h);
  assert.equal(polys.length, 1);
  assert.equal(polygonArea(polys[0].rings), 6);
  // Pinch: component whose own pixels touch diagonally around an enclosed background pixel.
  const pinch = grid(['.#..', '#.#.', '.##.', '....']);
  const pp = tracePolygons(pinch.data, pinch.w, pinch.h);
  assert.equal(pp.reduce((s, p) => s + polygonArea(p.rings), 0), 5);
});

test('measured: d3-contour is not pixel-edge exact, trace is (areas vs pixel counts on a real mask)', () => {
  // A synthetic mask of 40 rotated ellipses (building-sized blobs).
  const w = 200, h = 200;
  const data = new Uint8Array(w * h);
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let k = 0; k < 40; k++) {
    const cx = rnd() * w, cy = rnd() * h, rx = 3 + rnd() * 12, ry = 3 + rnd() * 12, a = rnd() * Math.PI;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      const u = dx * Math.cos(a) + dy * Math.sin(a), v = -dx * Math.sin(a) + dy * Math.cos(a);
      if ((u / rx) ** 2 + (v / ry) ** 2 <= 1) data[y * w + x] = 1;
    }
  }
  const pixels = data.reduce((s, v) => s + v, 0);
  const traced = tracePolygons(data, w, h);
  const exact = traced.reduce((s, p) => s + polygonArea(p.rings), 0);
  assert.equal(exact, pixels);
  const [c] = contours().size([w, h]).thresholds([0.5])(Array.from(data));
  const d3polys = c.coordinates as unknown as number[][][][];
  const ours = traced.map((p) => p.rings.map((r) => toPairs(r)));
  const sym = multiArea(xor(ours as any, d3polys as any) as any);
  const offGrid = d3polys.flat(2).filter(([x, y]) => !Number.isInteger(x) || !Number.isInteger(y)).length;
  // d3-contour's isoline runs through pixel centres and cuts every boundary corner: its outline differs
  // from the pixels by ~1.8% of their area here (1/8 pixel per convex corner), and most of its vertices are off the pixel grid.
  assert.ok(sym / pixels > 0.01, `d3-contour symmetric difference ${sym} vs ${pixels} pixels`);
  assert.ok(offGrid > 0.5 * d3polys.flat(2).length, `${offGrid} off-grid vertices`);
});

test('tracePolygons: a mask inside a mostly empty frame (traced on its crop) gives the polygons of the mask alone, shifted', () => {
  let seed = 5;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let k = 0; k < 40; k++) {
    const w = 3 + Math.floor(rnd() * 12), h = 3 + Math.floor(rnd() * 12);
    const small = new Uint8Array(w * h).map(() => (rnd() < 0.55 ? 1 : 0));
    // Full rows/columns at the border so that the small mask's own extent is the whole of it.
    for (let x = 0; x < w; x++) { small[x] = 1; small[(h - 1) * w + x] = 1; }
    const W = w + 30, H = h + 25, ox = 1 + Math.floor(rnd() * 28), oy = 1 + Math.floor(rnd() * 23);
    const big = new Uint8Array(W * H);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) big[(y + oy) * W + x + ox] = small[y * w + x];
    const expected = tracePolygons(small, w, h, { offsetX: ox + 100, offsetY: oy - 7 });
    assert.deepEqual(tracePolygons(big, W, H, { offsetX: 100, offsetY: -7 }), expected);
    assert.deepEqual(tracePolygons(Float32Array.from(big), W, H, { offsetX: 100, offsetY: -7 }), expected, 'any array type');
    // Pixel-edge exact: each polygon's ring area is its pixel count (holes subtracted).
    for (const p of expected) {
      const area = p.rings.reduce((a, r) => {
        let s = 0;
        for (let i = 0; i < r.length; i += 2) { const j = (i + 2) % r.length; s += r[i] * r[j + 1] - r[j] * r[i + 1]; }
        return a + s / 2;
      }, 0);
      assert.equal(Math.abs(area), p.pixels);
    }
  }
  assert.deepEqual(tracePolygons(new Uint8Array(50), 10, 5), []);
});

test('tracePolygons reuses scratch arrays: a large mask between two traces of a small one changes nothing', () => {
  const small = grid(['.##.', '####', '#..#', '####']);
  const first = tracePolygons(small.data, small.w, small.h);
  const big = new Uint8Array(200 * 150);
  for (let y = 10; y < 140; y++) for (let x = 5; x < 190; x++) big[y * 200 + x] = (x * y) % 7 ? 1 : 0;
  const bigTraced = tracePolygons(big, 200, 150);
  assert.deepEqual(tracePolygons(small.data, small.w, small.h), first);
  assert.deepEqual(tracePolygons(big, 200, 150), bigTraced);
  assert.equal(first.reduce((a, p) => a + p.pixels, 0), 12);
});

/** Reference labelling: flood fill (breadth first) from each unlabelled pixel in scan order, 4-neighbours of equal value. */
function floodLabels(mask: Uint8Array, w: number, h: number): { labels: Int32Array; count: number } {
  const labels = new Int32Array(w * h);
  let count = 0;
  for (let i = 0; i < w * h; i++) {
    if (!mask[i] || labels[i]) continue;
    labels[i] = ++count;
    const queue = [i];
    while (queue.length) {
      const p = queue.shift()!;
      const x = p % w, y = (p - x) / w;
      for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]]) {
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        const q = ny * w + nx;
        if (!labels[q] && mask[q] === mask[p]) { labels[q] = count; queue.push(q); }
      }
    }
  }
  return { labels, count };
}

test('labelComponents (runs + union–find) equals a flood fill on random multi-valued masks, components numbered in scan order', () => {
  let seed = 11;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let components = 0;
  for (let t = 0; t < 400; t++) {
    const w = 1 + Math.floor(rnd() * 24), h = 1 + Math.floor(rnd() * 24), values = 1 + Math.floor(rnd() * 3), density = rnd();
    const mask = Uint8Array.from({ length: w * h }, () => (rnd() < density ? 1 + Math.floor(rnd() * values) : 0));
    const want = floodLabels(mask, w, h);
    const got = labelComponents(mask, w, h, t % 2 ? new Int32Array(w * h).fill(9) : undefined);
    assert.equal(got.count, want.count, `mask ${t}`);
    assert.deepEqual(Array.from(got.labels), Array.from(want.labels), `mask ${t}`);
    // Tracing from the runs visits only them: the same polygons as the scan of every pixel.
    const fromRuns = traceComponents(got.labels, got.count, w, h, { offsetX: 2 }, got.runs);
    assert.deepEqual(fromRuns, traceComponents(got.labels, got.count, w, h, { offsetX: 2 }), `mask ${t}`);
    components += want.count;
  }
  assert.ok(components > 2000, `${components} components`);
});

test('tracePolygons given the box of the set pixels (setBox) equals tracing without it', () => {
  let seed = 5;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let t = 0; t < 200; t++) {
    const w = 1 + Math.floor(rnd() * 40), h = 1 + Math.floor(rnd() * 40);
    const mask = new Uint8Array(w * h);
    // A blob in a sub-box (or nothing), so the box is mostly empty as a detection's is.
    const bx = Math.floor(rnd() * w), by = Math.floor(rnd() * h), bw = Math.floor(rnd() * (w - bx)), bh = Math.floor(rnd() * (h - by));
    for (let y = by; y < by + bh; y++) for (let x = bx; x < bx + bw; x++) if (rnd() < 0.7) mask[y * w + x] = 1;
    let x0 = w, y0 = h, x1 = 0, y1 = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask[y * w + x]) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1); }
    const setBox: [number, number, number, number] = x1 > x0 ? [x0, y0, x1, y1] : [0, 0, 0, 0];
    const plain = tracePolygons(mask, w, h, { offsetX: 3, offsetY: 4 });
    assert.deepEqual(tracePolygons(mask, w, h, { offsetX: 3, offsetY: 4, setBox }), plain, `mask ${t}`);
  }
});
