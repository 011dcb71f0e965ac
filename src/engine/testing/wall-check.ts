/**
 * The shared-wall checks of vectorize/shared-walls, computed by GEOS through GDAL/OGR (Debian's
 * python3-gdal), not by the code under test. Features carry a `value` property naming the object.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FeatureCollection } from '../export/geojson.js';

/** GEOS (through OGR) on the traced and regularized layers; prints one JSON report. */
const WALL_CHECK = String.raw`
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
# that lies nearer to it, less the half of any overlap band nearer to the neighbour (a gap or an
# overlap between two houses becomes their wall, down its middle)
ref = {v: r for v, (_, r) in raw.items()}
for a, b in pairs:
    ra, rb = raw[a][1], raw[b][1]
    ov = ra.Intersection(rb)
    if ov.GetArea() > 0:
        # masks that overlap along their wall: each keeps the half of the band nearer to itself
        ref[a] = ref[a].Difference(ov.Intersection(rb.Difference(ra).Buffer(0.25)))
        ref[b] = ref[b].Difference(ov.Intersection(ra.Difference(rb).Buffer(0.25)))
        continue
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

export interface WallReport {
  pairs: { a: number; b: number; area: number; length: number; dims: number[]; type: string; near: number; expect: number }[];
  houses: { value: number; regularized: boolean; area_change: number; iou: number }[];
  corners_off: [number, number][];
  angles: [number, number][];
  holes: number;
}

/** Runs the GEOS checks on a traced (`raw`) and a regularized (`reg`) layer, for the given neighbour pairs. */
export function wallReport(dir: string, name: string, raw: FeatureCollection, reg: FeatureCollection, pairs: [number, number][]): WallReport {
  const rawFile = path.join(dir, `${name}-raw.geojson`);
  const regFile = path.join(dir, `${name}-reg.geojson`);
  writeFileSync(rawFile, JSON.stringify(raw));
  writeFileSync(regFile, JSON.stringify(reg));
  const py = spawnSync('/usr/bin/python3', ['-c', WALL_CHECK, rawFile, regFile, JSON.stringify(pairs)], { encoding: 'utf8' });
  assert.equal(py.status, 0, `python3 with osgeo.ogr (Debian python3-gdal, scripts/setup-system.sh): ${py.stderr}`);
  return JSON.parse(py.stdout) as WallReport;
}

/** Asserts the shared-wall properties on a report: walls coincide, right angles, limits, one orientation. */
export function assertWalls(name: string, r: WallReport, houses: number, rowsOfOneOrientation = true): void {
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

