/**
 * Shared walls from instance masks (the extract path): the houses of hand-made rows as separate masks,
 * as FastSAM's everything mode gives them — some walls overlapping by a pixel, some one pixel apart, a
 * nested mask (a roof part inside a house) that must stay its own object — shaped by
 * shapeObjectsWithWalls and checked with GEOS through GDAL/OGR (testing/wall-check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeGeoRef } from '../geo/georef.js';
import type { CroppedMask } from '../types.js';
import { featureCollection } from '../export/geojson.js';
import type { Feature } from '../export/geojson.js';
import { tracePolygons } from './trace.js';
import { shapePolygon } from './shape.js';
import { closeWallGaps, contact, shapeObjectsWithWalls } from './wall-grid.js';
import { contactRuns, maskRuns } from './mask-runs.js';
import { lRow, rasterizeHouses, rng, terracedRowScene } from '../testing/terraced.js';
import type { Scene } from '../testing/terraced.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { assertWalls, wallReport } from '../testing/wall-check.js';

const dir = tmpDir('fsg-wall-grid-');
const GT: [number, number, number, number, number, number] = [733601, 0.5, 0, 3725139, 0, -0.5];

/** One cropped mask per house; houses listed in `grow` are dilated by one pixel into their neighbours. */
function masksOf(scene: Scene, grow: Set<number>): CroppedMask[] {
  const { width: W, height: H, labels } = scene;
  const n = Math.max(...labels);
  const out: CroppedMask[] = [];
  for (let L = 1; L <= n; L++) {
    let x0 = W, y0 = H, x1 = 0, y1 = 0;
    const full = new Uint8Array(W * H);
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== L) continue;
      const x = i % W, y = (i - x) / W;
      full[i] = 1;
      if (grow.has(L)) for (const j of [i - 1, i + 1, i - W, i + W]) if (labels[j]) full[j] = 1;
    }
    for (let i = 0; i < full.length; i++) {
      if (!full[i]) continue;
      const x = i % W, y = (i - x) / W;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
    }
    const data = new Uint8Array((x1 - x0) * (y1 - y0));
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[(y - y0) * (x1 - x0) + x - x0] = full[y * W + x];
    out.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, data });
  }
  return out;
}

function layers(scene: Scene, masks: CroppedMask[], sharedWalls: boolean) {
  const geo = makeGeoRef({ affine: GT, geoKeys: { GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32616 }, width: scene.width, height: scene.height }, { crs: 'native' });
  const objs = masks.map((mask, i) => ({ mask, score: 0.9 - i * 0.01 }));
  const walls = sharedWalls ? shapeObjectsWithWalls(objs, geo, { regularize: true }) : new Map();
  const raw: Feature[] = [];
  const reg: Feature[] = [];
  masks.forEach((m, i) => {
    const traced = tracePolygons(m.data, m.width, m.height, { offsetX: m.x, offsetY: m.y });
    const exact = traced.map((p) => shapePolygon(p, geo, {})!);
    const shaped = walls.get(i)?.map((x: any) => x.s) ?? traced.map((p) => shapePolygon(p, geo, { regularize: true })!);
    const props = { id: i + 1, value: i + 1 };
    raw.push({ type: 'Feature', id: i + 1, geometry: { type: 'Polygon', coordinates: exact[0].coordinates }, properties: { ...props } });
    assert.equal(shaped.length, 1, `mask ${i + 1}: one part`);
    reg.push({ type: 'Feature', id: i + 1, geometry: { type: 'Polygon', coordinates: shaped[0].coordinates }, properties: { ...props, regularized: shaped[0].regularized } });
  });
  return { raw: featureCollection(raw), reg: featureCollection(reg), walls };
}

test('instance masks of terraced rows and an L-row (straight and 17°), walls overlapping by a pixel or one pixel apart: shared exactly (GEOS)', () => {
  const scenes: [string, Scene][] = [
    ['row5-0', terracedRowScene(5, 0, 501)],
    ['row6-17', terracedRowScene(6, 17, 617)],
    ['lrow-17', rasterizeHouses(200, 200, lRow(4, 3, 40, 40, rng(94)), 17, 22, 0.7, [[1, 2]])],
  ];
  for (const [name, scene] of scenes) {
    const masks = masksOf(scene, new Set([2, 4]));
    const { raw, reg, walls } = layers(scene, masks, true);
    assert.equal(walls.size, masks.length, `${name}: every house has a neighbour`);
    const r = wallReport(dir, name, raw, reg, scene.neighbours);
    assertWalls(`${name} (masks)`, r, masks.length);
  }
});

test('a nested mask (a roof part inside a house) stays its own object and does not join the wall grid', () => {
  const scene = terracedRowScene(4, 0, 404);
  const masks = masksOf(scene, new Set());
  const host = masks[1];
  const part: CroppedMask = { x: host.x + 3, y: host.y + 3, width: 6, height: 6, data: new Uint8Array(36).fill(1) };
  const geo = makeGeoRef({ affine: GT, geoKeys: { GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32616 }, width: scene.width, height: scene.height }, { crs: 'native' });
  const objs = [...masks, part].map((mask, i) => ({ mask, score: i === masks.length ? 0.5 : 0.9 }));
  const walls = shapeObjectsWithWalls(objs, geo, { regularize: true });
  assert.equal(walls.has(masks.length), false, 'the nested mask is shaped on its own');
  for (let i = 0; i < masks.length; i++) assert.ok(walls.has(i), `house ${i + 1} in the wall grid`);
  // The host keeps its whole area (the part inside it was not cut out of it).
  const hostArea = walls.get(1)!.reduce((a, x) => a + (x.s.areaM2 ?? 0), 0);
  let px = 0;
  for (const v of host.data) px += v;
  assert.ok(Math.abs(hostArea / (px * 0.25) - 1) < 0.1, `host area ${hostArea} m² vs ${px * 0.25} m²`);
});

test('closeWallGaps: a one-pixel gap is split between its two sides; a pocket between labels is filled; a courtyard is not', () => {
  const rows = [
    '..........',
    '.111.222..',
    '.111.222..',
    '.111.222..',
    '.111.222..',
    '..........',
  ];
  const W = rows[0].length, H = rows.length;
  const g = new Int32Array(W * H);
  rows.forEach((r, y) => [...r].forEach((c, x) => (g[y * W + x] = c === '.' ? 0 : Number(c))));
  assert.equal(closeWallGaps(g, W, H), 4);
  const col = [1, 2, 3, 4].map((y) => g[y * W + 4]);
  assert.deepEqual(col, [2, 1, 2, 1], 'alternating: half to each side');
  const ring = new Int32Array(7 * 7);
  for (let y = 0; y < 7; y++) for (let x = 0; x < 7; x++) ring[y * 7 + x] = x === 0 || y === 0 || x === 6 || y === 6 ? (x < 3 ? 1 : 2) : 0;
  closeWallGaps(ring, 7, 7);
  assert.equal(ring.filter((v) => v === 0).length, 25, 'a 5×5 courtyard (more than 8 pixels) stays open');
});

test('contact: overlap and nearness as the per-pixel definition counts them (random masks, all placements)', () => {
  const R = rng(13);
  const at = (m: CroppedMask, x: number, y: number): number =>
    x >= m.x && y >= m.y && x < m.x + m.width && y < m.y + m.height ? m.data[(y - m.y) * m.width + (x - m.x)] : 0;
  // Independent definition: every pixel of the plane, every axis offset up to 2.
  const reference = (a: CroppedMask, b: CroppedMask) => {
    let overlap = 0, near = false;
    for (let y = -5; y < 30; y++) {
      for (let x = -5; x < 30; x++) {
        if (!at(a, x, y)) continue;
        if (at(b, x, y)) { overlap++; near = true; }
        for (const [dx, dy] of [[1, 0], [2, 0], [-1, 0], [-2, 0], [0, 1], [0, 2], [0, -1], [0, -2]]) if (at(b, x + dx, y + dy)) near = true;
      }
    }
    return { overlap, near };
  };
  const mask = (): CroppedMask => {
    const w = 1 + Math.floor(R() * 8), h = 1 + Math.floor(R() * 8);
    const fill = R();
    const data = new Uint8Array(w * h).map(() => (R() < fill ? 1 : 0));
    return { x: Math.floor(R() * 16), y: Math.floor(R() * 16), width: w, height: h, data };
  };
  let nears = 0, overlaps = 0;
  for (let k = 0; k < 3000; k++) {
    const a = mask(), b = mask();
    const got = contact(a, b);
    assert.deepEqual(got, reference(a, b), JSON.stringify({ a, b }));
    // With boxes narrowed to the set pixels (as pairs() passes them): the same answer.
    const tight = (m: CroppedMask): [number, number, number, number] => {
      const xs: number[] = [], ys: number[] = [];
      m.data.forEach((v, i) => { if (v) { xs.push(m.x + (i % m.width)); ys.push(m.y + Math.floor(i / m.width)); } });
      return xs.length ? [Math.min(...xs), Math.min(...ys), Math.max(...xs) + 1, Math.max(...ys) + 1] : [m.x, m.y, m.x, m.y];
    };
    assert.deepEqual(contact(a, b, tight(a), tight(b)), got);
    // On runs (as pairs() compares them): the same answer, and the same pixel count and tight box.
    const ra = maskRuns(a), rb = maskRuns(b);
    assert.deepEqual(contactRuns(ra, rb), got, JSON.stringify({ a, b }));
    assert.equal(ra.area, a.data.reduce((s, v) => s + (v ? 1 : 0), 0));
    if (ra.area) assert.deepEqual(ra.tight, tight(a));
    // Given the set pixels' box (setBox, as the decode gives it): the same runs, not scanned for.
    const t = tight(a);
    const withBox = maskRuns({ ...a, setBox: ra.area ? [t[0] - a.x, t[1] - a.y, t[2] - a.x, t[3] - a.y] : [0, 0, 0, 0] });
    assert.deepEqual(withBox, ra);
    if (got.near) nears++;
    if (got.overlap) overlaps++;
  }
  assert.ok(nears > 300 && nears - overlaps > 50, `${nears} near, ${overlaps} overlapping: both cases exercised`);
});
