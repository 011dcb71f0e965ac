// evaluate: hand-built cases with known answers, and on the shared SpaceNet tile the same metric
// computed by an independent reference (shapely/GEOS on GDAL's reading of both layers, written here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, sharedData } from '../testing/shared-data.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { matchShapes } from './match.js';
import type { Shape } from './match.js';
import { writeFeatures } from '../export/sink.js';
import { fromEpsg, transformer, WGS84 } from '../geo/crs.js';
import type { Feature } from '../export/geojson.js';

const CLI = path.join(REPO_ROOT, 'bin', 'fastsam-geo.js');
const VENV_PY = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const sq = (x: number, y: number, w: number, h = w): Shape => [[[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]];

test('exact overlaps: every prediction matches at IoU 1', () => {
  const r = matchShapes([sq(0, 0, 10), sq(20, 0, 5)], [sq(20, 0, 5), sq(0, 0, 10)]);
  assert.deepEqual([r.tp, r.fp, r.fn, r.precision, r.recall, r.f1, r.meanIoU], [2, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(r.matches.map((m) => [m.predicted, m.truth]), [[0, 1], [1, 0]]);
});

test('one truth split into two predictions: one-to-one, so one TP and one FP (IoU exactly 0.5 matches)', () => {
  const r = matchShapes([sq(0, 0, 5, 10), sq(5, 0, 5, 10)], [sq(0, 0, 10)]);
  assert.deepEqual([r.tp, r.fp, r.fn], [1, 1, 0]);
  assert.equal(r.matches[0].predicted, 0);
  assert.ok(Math.abs(r.matches[0].iou - 0.5) < 1e-12);
  assert.ok(Math.abs(r.f1 - 2 / 3) < 1e-12);
  // One prediction covering two truths: the better overlap wins.
  const r2 = matchShapes([sq(0, 0, 10, 10)], [sq(0, 0, 6, 10), sq(6, 0, 4, 10)]);
  assert.deepEqual([r2.tp, r2.fp, r2.fn, r2.matches[0].truth], [1, 0, 1, 0]);
  assert.ok(Math.abs(r2.matches[0].iou - 0.6) < 1e-12);
});

test('touching and partly overlapping shapes do not match; a hole counts', () => {
  const touching = matchShapes([sq(0, 0, 10)], [sq(10, 0, 10)]);
  assert.deepEqual([touching.tp, touching.fp, touching.fn, touching.f1], [0, 1, 1, 0]);
  assert.equal(touching.bestPredicted[0].iou, 0);
  const third = matchShapes([sq(0, 0, 10)], [sq(5, 0, 10)]);
  assert.ok(Math.abs(third.bestTruth[0].iou - 1 / 3) < 1e-12);
  assert.equal(third.tp, 0);
  const ring: Shape = [[[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[2, 2], [2, 8], [8, 8], [8, 2], [2, 2]]]];
  const holed = matchShapes([ring], [sq(0, 0, 10)]);
  assert.ok(Math.abs(holed.bestTruth[0].iou - 0.64) < 1e-12);
  assert.equal(holed.tp, 1);
});

test('empty sides: nothing predicted, no truth, neither', () => {
  const noPred = matchShapes([], [sq(0, 0, 1)]);
  assert.deepEqual([noPred.tp, noPred.fp, noPred.fn, noPred.precision, noPred.recall, noPred.f1, noPred.meanIoU], [0, 0, 1, 0, 0, 0, null]);
  const noTruth = matchShapes([sq(0, 0, 1)], []);
  assert.deepEqual([noTruth.tp, noTruth.fp, noTruth.fn, noTruth.precision, noTruth.recall, noTruth.f1], [0, 1, 0, 0, 0, 0]);
  const none = matchShapes([], []);
  assert.deepEqual([none.precision, none.recall, none.f1], [1, 1, 1]);
});

let dir: string;
let burnt: string;
const labels = (): string => sharedData('geotiff/spacenet-atlanta/geotiff_labels.geojson');

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(() => {
  dir = tmpDir('fsg-evaluate-');
  burnt = path.join(dir, 'burnt.tif');
  run('gdal_rasterize', ['-q', '-burn', '255', '-ot', 'Byte', '-init', '0', '-te', '733601', '3724689', '734051', '3725139', '-tr', '0.5', '0.5',
    '-a_srs', 'EPSG:32616', labels(), burnt]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The reference: both layers read by GDAL (ogr2ogr → EPSG:32616 GeoJSON; GeoParquet by geopandas), IoU by shapely, same greedy rule. */
const REFERENCE = `
import json, sys, subprocess, tempfile, os
from shapely.geometry import shape
def load(p):
    if p.endswith('.parquet'):  # Debian's GDAL 3.6 has no Parquet driver: geopandas + PROJ
        import geopandas as gpd
        return list(gpd.read_parquet(p).to_crs(32616).geometry)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'x.geojson')
        subprocess.run(['ogr2ogr', '-f', 'GeoJSON', '-t_srs', 'EPSG:32616', out, p], check=True)
        with open(out) as f:
            return [shape(g['geometry']) for g in json.load(f)['features']]
P, T, thr = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
pairs = []
for i, p in enumerate(P):
    for j, t in enumerate(T):
        inter = p.intersection(t).area
        if inter > 0:
            iou = inter / (p.area + t.area - inter)
            if iou >= thr: pairs.append((-iou, i, j))
pairs.sort()
up, ut, ious = set(), set(), []
for niou, i, j in pairs:
    if i in up or j in ut: continue
    up.add(i); ut.add(j); ious.append(-niou)
tp = len(ious); fp = len(P) - tp; fn = len(T) - tp
prec = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
rec = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
print(json.dumps({'tp': tp, 'fp': fp, 'fn': fn, 'precision': prec, 'recall': rec, 'f1': f1, 'meanIoU': sum(ious) / tp if tp else None}))
`;

function compare(pred: string, truth: string, iou: number): { ours: Record<string, number>; ref: Record<string, number> } {
  const ours = JSON.parse(run(process.execPath, [CLI, 'evaluate', pred, truth, '--iou', String(iou), '--json']));
  const py = spawnSync(VENV_PY, ['-c', REFERENCE, pred, truth, String(iou)], { encoding: 'utf8' });
  assert.equal(py.status, 0, `${VENV_PY} with shapely (bash scripts/setup-python.sh): ${py.stderr}`);
  const ref = JSON.parse(py.stdout);
  for (const k of ['tp', 'fp', 'fn']) assert.equal(ours[k], ref[k], `${k} at IoU ${iou}`);
  for (const k of ['precision', 'recall', 'f1', 'meanIoU']) assert.ok(Math.abs(ours[k] - ref[k]) < 1e-6, `${k}: ours ${ours[k]}, shapely ${ref[k]}`);
  return { ours, ref };
}

test('SpaceNet tile: GDAL-burnt footprints vectorized by `vectorize` score F1 = 1.0; the metric equals shapely\'s', () => {
  const v = path.join(dir, 'burnt.gpkg');
  run(process.execPath, [CLI, 'vectorize', burnt, '-q', '--min-area', '1', '-o', v]);
  const { ours } = compare(v, labels(), 0.5);
  assert.deepEqual([ours.tp, ours.fp, ours.fn, ours.f1], [43, 0, 0, 1]);
  assert.ok(Math.abs(ours.areaBias) < 0.01, `area bias ${ours.areaBias}`);
  // A strict threshold splits the same layer into matches and misses: still equal to the reference.
  const strict = compare(v, labels(), 0.96);
  assert.ok(strict.ours.tp > 0 && strict.ours.fn > 0, JSON.stringify(strict.ours));
});

test('SpaceNet tile: shifted footprints in WGS84 GeoParquet vs the UTM truth: reprojected, equal to shapely\'s metric; -o writes every status', async () => {
  const truth = JSON.parse(readFileSync(labels(), 'utf8'));
  const utm = fromEpsg(32616);
  const toWgs = transformer(utm, WGS84);
  // Every other building shifted by 2.5 m east (some fall under IoU 0.5), all reprojected to lon/lat.
  const feats: Feature[] = truth.features.map((f: Feature, k: number) => {
    const dx = k % 2 ? 2.5 : 0.2;
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const coords = polys.map((p) => p.map((r) => r.map(([x, y]) => toWgs.forward(x + dx, y))));
    return { type: 'Feature', geometry: { type: 'MultiPolygon', coordinates: coords }, properties: { id: k + 1 } };
  });
  // Plus two false positives away from any building.
  for (const [x, y] of [[733610, 3724700], [733620, 3724700]]) {
    feats.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[x, y], [x + 5, y], [x + 5, y + 5], [x, y + 5], [x, y]].map(([a, b]) => toWgs.forward(a, b))] }, properties: { id: 1000 + x } });
  }
  const pred = path.join(dir, 'shifted.parquet');
  await writeFeatures(pred, feats, { crs: WGS84, fields: [{ name: 'id', type: 'integer' }] });
  const { ours } = compare(pred, labels(), 0.5);
  assert.ok(ours.tp > 10 && ours.fp >= 2 && ours.fn > 0, JSON.stringify(ours));
  assert.equal(ours.crs as unknown as string, 'EPSG:32616');

  const out = path.join(dir, 'matches.gpkg');
  run(process.execPath, [CLI, 'evaluate', pred, labels(), '-q', '-o', out]);
  const counts = run('ogrinfo', ['-q', '-sql', 'SELECT side, status, COUNT(*) AS n FROM matches GROUP BY side, status ORDER BY side, status', out]);
  const n = (side: string, status: string): number => Number(new RegExp(`side \\(String\\) = ${side}\\s+status \\(String\\) = ${status}\\s+n \\(Integer\\) = (\\d+)`).exec(counts)?.[1] ?? 0);
  assert.equal(n('predicted', 'TP'), ours.tp, counts);
  assert.equal(n('predicted', 'FP'), ours.fp);
  assert.equal(n('truth', 'TP'), ours.tp);
  assert.equal(n('truth', 'FN'), ours.fn);
  assert.match(run('ogrinfo', ['-so', out, 'matches']), /ID\["EPSG",32616\]\]/);
});
