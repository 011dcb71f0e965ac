/**
 * The GeoPackage spatial index, read by outside SQLite/GDAL: for layers of 0, 1, 51 (the root is the one
 * leaf), 52 and 6,000 features (several bulk-load blocks, three levels), Python's sqlite3 (with the rtree
 * module) finds the index whole (integrity_check, rtreecheck, one row per feature with the feature's box
 * rounded outwards) and answers window queries as a brute-force box test does; GDAL reports it
 * (HasSpatialIndex, its rtree filter on -spat) and validate_gpkg.py passes; GDAL's own edits keep it in step.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openFeatureSink } from './sink.js';
import { fromEpsg } from '../geo/crs.js';
import type { Feature } from './geojson.js';
import { tmpDir } from '../testing/raster-fixtures.js';

// The system python3 (python3-gdal; the tests' PATH may lead to the project's .venv first).
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const dir = tmpDir('fsg-rtree-');
after(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.slice(0, 3).join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Buildings scattered over ~3 km (UTM 16N), some as two-part MultiPolygons. */
function features(n: number): Feature[] {
  let seed = 5;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const out: Feature[] = [];
  for (let k = 0; k < n; k++) {
    const x = 733601 + rnd() * 3000, y = 3722000 + rnd() * 3000, w = 5 + rnd() * 20, h = 5 + rnd() * 20;
    const sq = (x0: number, y0: number): number[][][] => [[[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]];
    const geometry: Feature['geometry'] = k % 7 ? { type: 'Polygon', coordinates: sq(x, y) } : { type: 'MultiPolygon', coordinates: [sq(x, y), sq(x + w + 3, y + 1)] };
    out.push({ type: 'Feature', geometry, properties: { id: k + 1 } });
  }
  return out;
}

const CHECK = `
import sqlite3, json, sys
db = sqlite3.connect(sys.argv[1])
t = sys.argv[2]
r = 'rtree_%s_geom' % t
out = {}
out['integrity'] = db.execute('PRAGMA integrity_check').fetchone()[0]
out['rtreecheck'] = db.execute("SELECT rtreecheck(?)", (r,)).fetchone()[0]
out['rows'] = db.execute('SELECT count(*) FROM "%s"' % r).fetchone()[0]
out['ids'] = [x[0] for x in db.execute('SELECT id FROM "%s" ORDER BY id' % r)]
out['boxes'] = {str(i): [a, b, c, d] for i, a, b, c, d in db.execute('SELECT id, minx, maxx, miny, maxy FROM "%s"' % r)}
q = json.loads(sys.argv[3])
out['hits'] = [sorted(x[0] for x in db.execute('SELECT id FROM "%s" WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?' % r, (w[0], w[2], w[1], w[3]))) for w in q]
print(json.dumps(out))
`;

const WINDOWS = [[733601, 3722000, 733900, 3722300], [734500, 3723500, 734510, 3723510], [733000, 3721000, 737000, 3726000], [0, 0, 1, 1]];

function bbox(g: Feature['geometry']): number[] {
  const pts = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).flat(2) as unknown as number[][];
  return [Math.min(...pts.map((p) => p[0])), Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[1]))];
}

test('GeoPackage rtree: whole and right for 0, 1, 51, 52 and 6000 features (Python sqlite3, GDAL, validate_gpkg)', async () => {
  const validate = ['/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py', '/usr/share/doc/python3-gdal/examples/validate_gpkg.py'].find(existsSync);
  for (const n of [0, 1, 51, 52, 6000]) {
    const fs = features(n);
    const file = path.join(dir, `l${n}.gpkg`);
    const sink = await openFeatureSink(file, { crs: fromEpsg(32616), fields: [{ name: 'id', type: 'integer' }] });
    for (const f of fs) await sink.write(f);
    await sink.close();
    const r = JSON.parse(run(PY, ['-c', CHECK, file, `l${n}`, JSON.stringify(WINDOWS)]));
    assert.equal(r.integrity, 'ok', `${n}: integrity_check`);
    assert.equal(r.rtreecheck, 'ok', `${n}: rtreecheck`);
    assert.equal(r.rows, n, `${n}: one index row per feature`);
    assert.deepEqual(r.ids, fs.map((_, k) => k + 1));
    // Each row's box holds the feature's box (float32, rounded outwards) and is within 1e-6 relative of it.
    fs.forEach((f, k) => {
      const [x0, y0, x1, y1] = bbox(f.geometry);
      const [a, b, c, d] = r.boxes[String(k + 1)];
      assert.ok(a <= x0 && b >= x1 && c <= y0 && d >= y1, `${n}: box of ${k + 1}`);
      assert.ok(x0 - a < 1 && b - x1 < 1 && y0 - c < 1 && d - y1 < 1);
    });
    // Window queries through the index = a brute-force test on the exact boxes (the float32 rounding
    // never drops a feature; these windows do not graze a box within a float32 step).
    WINDOWS.forEach((w, i) => {
      const brute = fs.map((f, k) => [bbox(f.geometry), k + 1] as const).filter(([b]) => b[2] >= w[0] && b[0] <= w[2] && b[3] >= w[1] && b[1] <= w[3]).map(([, id]) => id);
      assert.deepEqual(r.hits[i], brute, `${n}: window ${i}`);
    });
    const has = run('ogrinfo', ['-q', file, '-sql', `SELECT HasSpatialIndex('l${n}', 'geom')`]);
    assert.match(has, /HasSpatialIndex\S* \(Integer\) = 1/, `${n}: GDAL sees the index`);
    if (validate) run(PY, [validate, file]);
  }
  // GDAL's own edits go through the triggers: the index follows an append and a delete.
  const edited = path.join(dir, 'edited.gpkg');
  copyFileSync(path.join(dir, 'l52.gpkg'), edited);
  run('ogr2ogr', ['-append', '-nln', 'l52', edited, path.join(dir, 'l51.gpkg')]);
  run('ogrinfo', ['-q', edited, '-sql', 'DELETE FROM l52 WHERE fid <= 10']);
  const e = JSON.parse(run(PY, ['-c', CHECK, edited, 'l52', '[]']));
  assert.equal(e.rtreecheck, 'ok');
  assert.equal(e.rows, 52 + 51 - 10);
  const spat = run('ogrinfo', ['-q', edited, 'l52', '-spat', ...WINDOWS[2].map(String)]);
  assert.equal((spat.match(/^OGRFeature/gm) ?? []).length, 93);
});
