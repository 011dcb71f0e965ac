import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { crsFromGeoKeys, fromEpsg, parseCrs, transformer, utmFor, WGS84 } from './crs.js';
import { EngineError } from '../errors.js';

/** GDAL's answer (the outside oracle): lon/lat → CRS, in traditional x/y order. */
function gdalForward(code: number, lon: number, lat: number): [number, number] {
  const r = spawnSync('gdaltransform', ['--config', 'OSR_DEFAULT_AXIS_MAPPING_STRATEGY', 'TRADITIONAL_GIS_ORDER', '-s_srs', 'EPSG:4326', '-t_srs', `EPSG:${code}`], {
    input: `${lon} ${lat}\n`, encoding: 'utf8',
  });
  if (r.error || r.status !== 0) throw new Error(`gdaltransform failed (install gdal-bin): ${r.error?.message ?? r.stderr}`);
  const [x, y] = r.stdout.trim().split(/\s+/).map(Number);
  return [x, y];
}

// [code, lon, lat, tolerance m]: datum-shifted grids may differ from GDAL's chosen transformation by ~1 m.
const CASES: [number, number, number, number][] = [
  [32616, -84.4, 33.66, 0.01], [32631, 4.4, 51.9, 0.01], [32755, 151.2, -33.9, 0.01], [3857, -2.8, 55.9, 0.01],
  [3395, 10, 45, 0.01], [26916, -87.6, 41.9, 0.01], [5070, -96, 38, 0.01], [25832, 9.0, 50.0, 0.5],
  [27700, -2.8, 55.9, 5], [2154, 2.35, 48.85, 0.5], [28992, 4.9, 52.37, 5], [3035, 10, 52, 0.5],
  [3006, 18.0, 59.3, 0.5], [2193, 174.8, -41.3, 0.5],
];

test('proj4 definitions built here agree with GDAL (gdaltransform) for listed and computed EPSG codes', () => {
  for (const [code, lon, lat, tol] of CASES) {
    const [gx, gy] = gdalForward(code, lon, lat);
    const [x, y] = transformer(WGS84, fromEpsg(code)).forward(lon, lat);
    const d = Math.hypot(x - gx, y - gy);
    assert.ok(d <= tol, `EPSG:${code}: proj4 (${x}, ${y}) vs GDAL (${gx}, ${gy}): ${d.toFixed(3)} m > ${tol}`);
  }
});

test('converters kept per CRS pair: the same numbers when reused and after older pairs are dropped (28 pairs, 16 kept)', () => {
  const first = new Map<string, number[]>();
  for (let pass = 0; pass < 3; pass++) {
    for (const [code, lon, lat] of CASES) {
      const crs = fromEpsg(code);
      const [x, y] = transformer(WGS84, crs).forward(lon, lat);
      const back = transformer(crs, WGS84).forwardFlat([x, y]);
      const got = [x, y, back[0], back[1]];
      if (pass === 0) first.set(String(code), got);
      else assert.deepEqual(got, first.get(String(code)), `EPSG:${code}, pass ${pass}`);
      assert.ok(Math.hypot(back[0] - lon, back[1] - lat) < 1e-7, `EPSG:${code}: round trip to (${back[0]}, ${back[1]})`);
    }
  }
  // And the reused converters still agree with GDAL.
  const [code, lon, lat, tol] = CASES[0];
  const [gx, gy] = gdalForward(code, lon, lat);
  const [x, y] = transformer(WGS84, fromEpsg(code)).forward(lon, lat);
  assert.ok(Math.hypot(x - gx, y - gy) <= tol);
});

test('CRS from GeoKeys: projected and geographic codes, none, user-defined and unknown codes', () => {
  assert.equal(crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32616 })!.code, 'EPSG:32616');
  const g = crsFromGeoKeys({ GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4326 })!;
  assert.equal(g.code, 'EPSG:4326');
  assert.ok(g.geographic);
  assert.equal(crsFromGeoKeys(null), null);
  assert.throws(() => crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32767, GTCitationGeoKey: 'My grid' }),
    (e: unknown) => e instanceof EngineError && e.code === 'BAD_CRS' && /user-defined.*My grid.*--srs/.test(e.message));
  assert.throws(() => crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 9999 }),
    (e: unknown) => e instanceof EngineError && e.code === 'BAD_CRS' && /EPSG:9999.*--srs/.test(e.message));
  // A user's --srs wins over the keys.
  assert.equal(crsFromGeoKeys({ ProjectedCSTypeGeoKey: 9999 }, 'EPSG:32616')!.code, 'EPSG:32616');
});

test('parseCrs: EPSG codes and proj strings; bad text is BAD_CRS', () => {
  assert.equal(parseCrs('epsg:3857').code, 'EPSG:3857');
  const u = parseCrs('+proj=utm +zone=16 +datum=WGS84 +units=m +no_defs');
  assert.equal(u.code, null);
  assert.equal(u.toMeters, 1);
  assert.equal(parseCrs('+proj=tmerc +lat_0=0 +lon_0=-87 +k=1 +x_0=0 +y_0=0 +datum=NAD83 +units=us-ft').toMeters, 1200 / 3937);
  assert.throws(() => parseCrs('lambert'), (e: unknown) => e instanceof EngineError && e.code === 'BAD_CRS');
  assert.equal(utmFor(-84.4, 33.7).code, 'EPSG:32616');
  assert.equal(utmFor(151.2, -33.9).code, 'EPSG:32756');
});
