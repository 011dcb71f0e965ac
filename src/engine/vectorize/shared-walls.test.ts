/**
 * Shared walls checked from outside: hand-made label rasters (terraced rows of 3–8 houses, straight and
 * rotated 17°, with jittered edges and one-pixel gaps; an L-row; a courtyard block) written by GDAL,
 * vectorized with --regularize, then measured with GEOS through GDAL/OGR (Debian's python3-gdal), not
 * with the code under test: for every pair of houses that share a wall in the raster the intersection
 * is a line (overlap area 0), no gap wider than 1e-6 m opens anywhere, every corner is 90° ± 0.5°, each
 * house keeps its area within 10 % and IoU ≥ 0.85 with its traced outline, and a row has one orientation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { vectorizeRaster } from '../pipeline/vectorize-raster.js';
import { gdalPolygonize, tmpDir } from '../testing/raster-fixtures.js';
import { writeGeoTiff } from '../testing/write-geotiff.js';
import { courtyardBlock, lRow, rasterizeHouses, rng, terracedRow } from '../testing/terraced.js';
import type { House, Scene } from '../testing/terraced.js';

const dir = tmpDir('fsg-walls-');
const GT: [number, number, number, number, number, number] = [733601, 0.5, 0, 3725139, 0, -0.5];

/** GEOS (through OGR) on the traced and regularized layers; prints one JSON report. */
export const WALL_CHECK = String.raw`
import json, math, sys
from osgeo import ogr
def load(p):
    fc = json.load(open(p))
    return {f["properties"]["value"]: (f["properties"], ogr.CreateGeometryFromJson(json.dumps(f["geometry"]))) for f in fc["features"]}
raw = load(sys.argv[1]); reg = load(sys.argv[2]); pairs = json.loads(sys.argv[3])
out = {"pairs": [], "houses": [], "corners_off": [], "angles": []}
def lines(g):
    return [g] if g.GetDimension() == 1 and g.GetGeometryCount() == 0 else [g.GetGeometryRef(k) for k in range(g.GetGeometryCount())]
for a, b in pairs:
    ga, gb = reg[a][1], reg[b][1]
    i = ga.Intersection(gb)
    parts = lines(i) if i.GetGeometryCount() else [i]
    dims = sorted({p.GetDimension() for p in parts})
    # a near miss: outline of a within 30 cm of b but not on b; where walls coincide only the outline
    # leaving each end of the wall comes that close (≤ 0.3 m per end)
    near = ga.Boundary().Difference(gb.Buffer(1e-6)).Intersection(gb.Buffer(0.3)).Length()
    # the wall in the mask: the traced outline of a along b (touching, or across a one-pixel gap)
    ra, rb = raw[a][1], raw[b][1]
    expect = ra.Boundary().Intersection(rb.Buffer(0.6)).Length()
    out["pairs"].append({"a": a, "b": b, "area": i.GetArea(), "length": sum(p.Length() for p in parts if p.GetDimension() == 1),
                         "dims": dims, "type": i.GetGeometryName(), "near": near, "expect": expect})
# the reference outline of each house: its traced outline plus the half of any gap to a neighbour
# that lies nearer to it (a gap between two houses becomes their wall, down its middle)
ref = {v: r for v, (_, r) in raw.items()}
for a, b in pairs:
    ra, rb = raw[a][1], raw[b][1]
    if ra.Intersection(rb).Length() > 0.5 * ra.Boundary().Intersection(rb.Buffer(0.6)).Length(): continue  # touching
    gap = ra.Buffer(0.5).Intersection(rb.Buffer(0.5)).Difference(ra).Difference(rb)
    ref[a] = ref[a].Union(gap.Intersection(ra.Buffer(0.25)))
    ref[b] = ref[b].Union(gap.Intersection(rb.Buffer(0.25)))
union = None
for v, (p, g) in reg.items():
    r = ref[v]
    inter = g.Intersection(r).GetArea()
    out["houses"].append({"value": v, "regularized": p.get("regularized"), "area_change": g.GetArea() / r.GetArea() - 1,
                          "iou": inter / (g.GetArea() + r.GetArea() - inter)})
    ring = g.GetGeometryRef(0)
    pts = [ring.GetPoint_2D(k) for k in range(ring.GetPointCount() - 1)]
    for k, p0 in enumerate(pts):
        pa, pb = pts[k - 1], pts[(k + 1) % len(pts)]
        u = (pa[0] - p0[0], pa[1] - p0[1]); w = (pb[0] - p0[0], pb[1] - p0[1])
        c = (u[0] * w[0] + u[1] * w[1]) / (math.hypot(*u) * math.hypot(*w))
        ang = math.degrees(math.acos(max(-1, min(1, c))))
        if abs(ang - 90) > 0.5 and abs(ang - 180) > 0.5: out["corners_off"].append([v, ang])
        e = math.degrees(math.atan2(w[1], w[0])) % 90
        if math.hypot(*w) > 2: out["angles"].append([v, e])
    # gaps narrower than 1e-6 m are closed; a gap along a wall is measured per pair above, an enclosed one is a hole
    union = g.Buffer(5e-7) if union is None else union.Union(g.Buffer(5e-7))
out["holes"] = sum(union.GetGeometryRef(k).GetGeometryCount() - 1 for k in range(union.GetGeometryCount())) if union.GetGeometryName() == "MULTIPOLYGON" else union.GetGeometryCount() - 1
print(json.dumps(out))
`;

interface Report {
  pairs: { a: number; b: number; area: number; length: number; dims: number[]; type: string; near: number; expect: number }[];
  houses: { value: number; regularized: boolean; area_change: number; iou: number }[];
  corners_off: [number, number][];
  angles: [number, number][];
  holes: number;
}

async function check(name: string, scene: Scene, sharedWalls = true): Promise<Report> {
  const tif = path.join(dir, `${name}.tif`);
  writeGeoTiff(tif, { width: scene.width, height: scene.height, bands: [scene.labels], geotransform: GT, epsg: 32616, nodata: 0 });
  const raw = await vectorizeRaster(tif, { crs: 'native' });
  const reg = await vectorizeRaster(tif, { crs: 'native', regularize: true, sharedWalls });
  const values = new Set(raw.collection.features.map((f) => f.properties.value));
  assert.equal(values.size, raw.collection.features.length, `${name}: one polygon per house`);
  const rawFile = path.join(dir, `${name}-raw.geojson`);
  const regFile = path.join(dir, `${name}-reg.geojson`);
  writeFileSync(rawFile, JSON.stringify(raw.collection));
  writeFileSync(regFile, JSON.stringify(reg.collection));
  const py = spawnSync('/usr/bin/python3', ['-c', WALL_CHECK, rawFile, regFile, JSON.stringify(scene.neighbours)], { encoding: 'utf8' });
  assert.equal(py.status, 0, `python3 with osgeo.ogr (Debian python3-gdal): ${py.stderr}`);
  return JSON.parse(py.stdout) as Report;
}

function assertWalls(name: string, r: Report, houses: number, rowsOfOneOrientation = true): void {
  assert.equal(r.houses.length, houses, `${name}: houses`);
  for (const p of r.pairs) {
    assert.ok(p.area === 0, `${name}: houses ${p.a} and ${p.b} overlap by ${p.area} m²`);
    // A wall of a pixel or two in the mask may shrink to a point; a longer one stays a wall.
    assert.ok(p.dims.every((d) => d <= 1) && (p.expect < 3 || p.length >= 0.5) && p.length >= 0.5 * p.expect - 1.5, `${name}: houses ${p.a} and ${p.b} share ${p.type} of length ${p.length} m, expected a wall of ~${p.expect.toFixed(2)} m`);
    assert.ok(p.near <= 1.25, `${name}: houses ${p.a} and ${p.b}: ${p.near.toFixed(3)} m of outline within 30 cm of each other but not shared (a gap)`);
  }
  for (const h of r.houses) {
    assert.equal(h.regularized, true, `${name}: house ${h.value} not regularized (area ${h.area_change}, IoU ${h.iou})`);
    assert.ok(Math.abs(h.area_change) < 0.1, `${name}: house ${h.value} area change ${(h.area_change * 100).toFixed(1)} %`);
    assert.ok(h.iou >= 0.85, `${name}: house ${h.value} IoU ${h.iou.toFixed(3)}`);
  }
  assert.deepEqual(r.corners_off, [], `${name}: corners off 90°`);
  if (rowsOfOneOrientation) {
    const a = r.angles.map(([, e]) => (e > 45 ? e - 90 : e));
    const spread = Math.max(...a) - Math.min(...a);
    // Edges ≥ 2 m, coordinates rounded to mm in the output: ≤ 0.03° from rounding alone.
    assert.ok(spread < 0.06, `${name}: edge orientations spread over ${spread.toFixed(4)}°, expected one orientation`);
  }
}

/** Rows of 3..8 houses, one scene each, with a one-pixel gap in some walls. */
function rowScene(n: number, deg: number, seed: number): Scene {
  const rand = rng(seed);
  const houses: House[] = terracedRow(n, 20, 30, rand);
  const width = Math.ceil(houses[houses.length - 1].rect[2] + 40);
  const gaps: [number, number][] = [];
  for (let k = 0; k + 1 < n; k += 3) gaps.push([k, k + 1]);
  // Re-centre the row in the raster frame (rotation is about the raster centre).
  const height = 90 + Math.ceil(width * Math.sin((Math.abs(deg) * Math.PI) / 180));
  const shift = (height - 90) / 2;
  for (const h of houses) {
    h.rect[1] += 20 + shift;
    h.rect[3] += 20 + shift;
  }
  return rasterizeHouses(width, height, houses, deg, seed, 0.7, gaps);
}

test('terraced rows of 3–8 houses, axis-aligned and rotated 17°, jittered edges and one-pixel gaps: walls shared exactly (GEOS)', async () => {
  for (const deg of [0, 17]) {
    for (let n = 3; n <= 8; n++) {
      const scene = rowScene(n, deg, 1000 + n * 7 + deg);
      assert.ok(scene.neighbours.length >= n - 1, `row of ${n} at ${deg}°: ${scene.neighbours.length} walls in the raster`);
      const r = await check(`row${n}-${deg}`, scene);
      assertWalls(`row of ${n} at ${deg}°`, r, n);
      assert.equal(r.holes, 0, `row of ${n} at ${deg}°: holes in the row`);
    }
  }
});

test('an L-row and a courtyard block (straight and at 17°): walls shared, the courtyard stays one hole', async () => {
  for (const deg of [0, 17]) {
    const rand = rng(77 + deg);
    const l = lRow(4, 3, 40, 40, rand);
    const rl = await check(`lrow-${deg}`, rasterizeHouses(200, 200, l, deg, 5 + deg, 0.7, [[1, 2]]));
    assertWalls(`L-row at ${deg}°`, rl, 7);
    assert.equal(rl.holes, 0);
    const c = courtyardBlock(4, 3, 45, 45, rng(91 + deg));
    const rc = await check(`courtyard-${deg}`, rasterizeHouses(220, 220, c, deg, 9 + deg, 0.7));
    assertWalls(`courtyard at ${deg}°`, rc, c.length);
    assert.equal(rc.holes, 1, 'one courtyard');
  }
});

test('without shared walls (--no-shared-walls) the rotated rows open gaps or overlap: the GEOS check sees it', async () => {
  let broken = 0;
  for (let n = 3; n <= 8; n++) {
    const r = await check(`row${n}-17-off`, rowScene(n, 17, 1000 + n * 7 + 17), false);
    broken += r.pairs.filter((p) => p.area > 1e-6).length;
  }
  assert.ok(broken > 0, 'per-building regularization should break some walls');
});

test('a label raster: one polygon per value, as gdal_polygonize (touching values no longer merge)', async () => {
  const scene = rowScene(5, 0, 42);
  const tif = path.join(dir, 'labels-5.tif');
  writeGeoTiff(tif, { width: scene.width, height: scene.height, bands: [scene.labels], geotransform: GT, epsg: 32616, nodata: 0 });
  const ours = (await vectorizeRaster(tif, { crs: 'native' })).collection.features;
  const ref = gdalPolygonize(tif, dir);
  assert.equal(ours.length, ref.length, `ours ${ours.length}, GDAL ${ref.length}`);
  assert.equal(ours.length, 5);
  const areas = (fs: any[]): number[] => fs.map((f) => f.properties.area_m2 ?? null).filter((a) => a !== null).sort((a, b) => a - b);
  const pixels = [...new Set(scene.labels)].filter((v) => v).map((v) => scene.labels.filter((x) => x === v).length * 0.25).sort((a, b) => a - b);
  assert.deepEqual(areas(ours), pixels);
});
