// Prompts across overlapping tiles of a real georeferenced grid, checked against outside references:
// the 43 hand-drawn SpaceNet Atlanta footprints (burned with gdal_rasterize onto the sample tile's
// grid), coordinates transformed by GDAL's gdaltransform, areas by the shoelace formula on the labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRaster } from '../raster/open.js';
import { makeGeoRef } from '../geo/georef.js';
import { labelComponents } from '../vectorize/trace.js';
import { burnAtlantaLabels, readJson, sharedData, tmpDir } from '../testing/raster-fixtures.js';
import { detection, segmentResult } from '../testing/fixture-masks.js';
import type { Detection } from '../types.js';
import { pixelConverter, boxToPixels } from './coords.js';
import { promptPointsOnTiles, promptBoxesOnTiles, type PromptTile } from './prompt-tiles.js';
import { selectionToFeatures } from './to-features.js';
import { EngineError } from '../errors.js';

const dir = tmpDir('fsg-prompt-');
const labelsTif = burnAtlantaLabels(dir);
const labels = readJson(sharedData('geotiff/spacenet-atlanta/geotiff_labels.geojson')).features as any[];

function shoelace(ring: number[][]): number {
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return Math.abs(a) / 2;
}

/** Everything-mode stand-in: each 4-connected footprint of the burned raster is one mask, per tile. */
async function tilesOf(windows: [number, number, number, number][]): Promise<{ tiles: PromptTile[]; raster: Awaited<ReturnType<typeof openRaster>> }> {
  const raster = await openRaster(labelsTif);
  const tiles: PromptTile[] = [];
  for (const w of windows) {
    const win = await raster.readWindow(w, { bands: [0] });
    const W = w[2] - w[0], H = w[3] - w[1];
    const { labels: lab, count } = labelComponents(win.data[0] as Uint8Array, W, H);
    const dets: Detection[] = [];
    for (let c = 1; c <= count; c++) {
      let x0 = W, y0 = H, x1 = -1, y1 = -1;
      for (let i = 0; i < lab.length; i++) if (lab[i] === c) {
        const x = i % W, y = (i - x) / W;
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
      const mw = x1 - x0 + 1, mh = y1 - y0 + 1;
      const data = new Uint8Array(mw * mh);
      for (let y = 0; y < mh; y++) for (let x = 0; x < mw; x++) data[y * mw + x] = lab[(y + y0) * W + x + x0] === c ? 1 : 0;
      dets.push(detection({ x: x0, y: y0, width: mw, height: mh, data }, 0.9));
    }
    tiles.push({ window: w, result: segmentResult(W, H, dets) });
  }
  return { tiles, raster };
}

// The largest footprint, and its centre (mean of its vertices) in UTM and, via gdaltransform, lon/lat.
const big = labels.map((f, i) => ({ i, area: shoelace(f.geometry.coordinates[0]), ring: f.geometry.coordinates[0] as number[][] }))
  .sort((a, b) => b.area - a.area)[0];
const cx = big.ring.slice(0, -1).reduce((a, p) => a + p[0], 0) / (big.ring.length - 1);
const cy = big.ring.slice(0, -1).reduce((a, p) => a + p[1], 0) / (big.ring.length - 1);

test('a point in WGS84 selects the footprint under it; its polygon has the label\'s area (±3%)', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('gdaltransform', ['-s_srs', 'EPSG:32616', '-t_srs', '+proj=longlat +datum=WGS84'], { input: `${cx} ${cy}\n`, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [plon, plat] = r.stdout.trim().split(/\s+/).map(Number);
  const { tiles, raster } = await tilesOf([[0, 0, 500, 900], [400, 0, 900, 900]]);
  const toPx = pixelConverter(raster, 'EPSG:4326');
  const [px, py] = toPx(plon, plat);
  // GDAL's own pixel of that UTM point: (cx − 733601)/0.5, (3725139 − cy)/0.5
  assert.ok(Math.abs(px - (cx - 733601) / 0.5) < 1e-3 && Math.abs(py - (3725139 - cy) / 0.5) < 1e-3);
  const sel = promptPointsOnTiles(tiles, [{ x: px, y: py, label: 1 }], { rasterSize: raster });
  assert.equal(sel.selected.length, 1);
  const geo = makeGeoRef(raster, { crs: 'wgs84' });
  const [f] = selectionToFeatures(sel.selected, geo, { source: 'labels.tif', promptLabel: () => 'point' });
  assert.equal(f.geometry.type, 'Polygon');
  const area = f.properties.area_m2 as number;
  assert.ok(Math.abs(area - big.area) / big.area < 0.03, `area ${area} vs label ${big.area}`);
  assert.deepEqual([f.properties.prompt, f.properties.source], ['point', 'labels.tif']);
  // a background point on the same footprint removes it
  const none = promptPointsOnTiles(tiles, [{ x: px, y: py, label: 1 }, { x: px, y: py, label: 0 }], { rasterSize: raster });
  assert.deepEqual(none.unmatched, [{ type: 'point', index: 0 }]);
  await raster.close();
});

test('a box in native coordinates around a footprint selects it (IoU = footprint pixels / box pixels)', async () => {
  const { tiles, raster } = await tilesOf([[0, 0, 500, 900], [400, 0, 900, 900]]);
  const xs = big.ring.map((p) => p[0]), ys = big.ring.map((p) => p[1]);
  const box = boxToPixels([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], pixelConverter(raster, 'native'));
  const sel = promptBoxesOnTiles(tiles, [box], { rasterSize: raster });
  assert.equal(sel.selected.length, 1);
  const s = sel.selected[0];
  const bx = [Math.floor(box[0]), Math.floor(box[1]), Math.ceil(box[2]), Math.ceil(box[3])];
  const boxPx = (bx[2] - bx[0]) * (bx[3] - bx[1]);
  // the mask lies inside its own bounding box: IoU = area / box area
  assert.ok(Math.abs(s.score - s.area / boxPx) < 1e-9, `${s.score} vs ${s.area}/${boxPx}`);
  // and its area in m² (0.25 m² per pixel) matches the label's within 3%
  assert.ok(Math.abs(s.area * 0.25 - big.area) / big.area < 0.03);
  await raster.close();
});

test('an object on the seam is answered by the tile where it is whole; merge unites several', async () => {
  // Tiles split at x = 450 with 100 px overlap: every footprint is whole in at least one tile.
  const { tiles, raster } = await tilesOf([[0, 0, 500, 900], [400, 0, 900, 900]]);
  const whole = await tilesOf([[0, 0, 900, 900]]);
  // every footprint centre: the tiled answer has the same pixel count as the single-tile answer
  const centres = whole.tiles[0].result.detections.map((d) => {
    for (let i = 0; i < d.mask.data.length; i++) if (d.mask.data[i]) return { x: d.mask.x + (i % d.mask.width) + 0.5, y: d.mask.y + Math.floor(i / d.mask.width) + 0.5, area: d.area };
    return null;
  }).filter((c): c is { x: number; y: number; area: number } => c !== null);
  assert.ok(centres.length >= 40);
  for (const c of centres) {
    const s = promptPointsOnTiles(tiles, [{ x: c.x, y: c.y }], { rasterSize: raster });
    assert.equal(s.selected[0].area, c.area, `footprint at ${c.x}, ${c.y}`);
  }
  const merged = promptPointsOnTiles(tiles, centres.slice(0, 3).map((c) => ({ x: c.x, y: c.y })), { rasterSize: raster, merge: true });
  assert.equal(merged.selected.length, 1);
  assert.equal(merged.selected[0].area, centres.slice(0, 3).reduce((a, c) => a + c.area, 0));
  assert.throws(() => promptPointsOnTiles(tiles, [{ x: 900, y: 10 }], { rasterSize: raster }), (e: unknown) => e instanceof EngineError && e.code === 'OUT_OF_BOUNDS');
  await raster.close();
  await whole.raster.close();
});

test('a point on an object is answered from every overlapping tile, not only the one it lies deepest in (regression: "a click that misses")', () => {
  // Two overlapping 100-px tiles; the point (75, 50) lies deeper in tile B ([40,0,140,100]) than in A
  // ([0,0,100,100]). Only tile A's model run found the 20×20 object at (60..80, 40..60); B has nothing.
  const side = 20;
  const data = new Uint8Array(side * side).fill(1);
  const a: PromptTile = { window: [0, 0, 100, 100], result: segmentResult(100, 100, [detection({ x: 60, y: 40, width: side, height: side, data }, 0.9)]) };
  const b: PromptTile = { window: [40, 0, 140, 100], result: segmentResult(100, 100, []) };
  const r = promptPointsOnTiles([a, b], [{ x: 75, y: 50, label: 1 }], { rasterSize: { width: 140, height: 100 } });
  assert.equal(r.selected.length, 1);
  assert.equal(r.unmatched.length, 0);
  assert.equal(r.selected[0].area, side * side);
  assert.equal(r.selected[0].tile, 0);
});
