// Regression (issue 18): a geotransform with 1e300 coordinates wrote GeoJSON whose coordinates were all
// [null, null] (exit 0); pixel size 0 gave "0 buildings" silently; NaN an internal message. Options that
// were accepted and ignored (`--srs ""`, `--bbox` with `--window`, `imgsz` in jobs) are now refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';
import { handTiff } from '../testing/hand-tiff.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { startTestServer } from '../testing/server.js';
import { checkAffine, makeGeoRef } from './georef.js';
import type { Affine } from './affine.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir('fsg-georef-hostile-');
const code = (c: string) => (e: unknown) => e instanceof EngineError && e.code === c;

/** A 32×32 mask TIFF (a 10×10 square) with ModelTiepoint / ModelPixelScale as given, EPSG:32616 keys. */
function maskTif(name: string, origin: [number, number], scale: [number, number]): string {
  const px = new Uint8Array(32 * 32);
  for (let y = 5; y < 15; y++) for (let x = 5; x < 15; x++) px[y * 32 + x] = 1;
  const geoKeys = [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32616];
  const file = path.join(dir, name);
  writeFileSync(file, handTiff([{ width: 32, height: 32, rowsPerStrip: 32, blocks: [px], extra: [
    [33550, 12, [scale[0], scale[1], 0]], [33922, 12, [0, 0, 0, origin[0], origin[1], 0]], [34735, 3, geoKeys],
  ] }]));
  return file;
}

test('checkAffine refuses non-finite terms, zero or collinear pixels, and corners beyond ±1e12', () => {
  const good: Affine = [500000, 0.5, 0, 4000000, 0, -0.5];
  assert.doesNotThrow(() => checkAffine(good, 100, 100));
  for (const a of [
    [NaN, 0.5, 0, 4e6, 0, -0.5], [5e5, Infinity, 0, 4e6, 0, -0.5], [5e5, 0, 0, 4e6, 0, -0.5], [5e5, 0.5, 0, 4e6, 0, 0],
    [5e5, 1, 1, 4e6, 1, 1], [1e300, 0.5, 0, 4e6, 0, -0.5], [5e5, 1e11, 0, 4e6, 0, -1],
  ] as Affine[]) {
    assert.throws(() => checkAffine(a, 100, 100), code('BAD_IMAGE'), a.join(','));
    assert.throws(() => makeGeoRef({ affine: a, geoKeys: null, width: 100, height: 100 }), code('BAD_IMAGE'));
  }
  assert.throws(() => makeGeoRef({ affine: good, geoKeys: null, width: 10, height: 10 }, { srs: '' }), code('BAD_INPUT'));
  assert.throws(() => makeGeoRef({ affine: null, geoKeys: null, width: 10, height: 10 }, { srs: '  ' }), code('BAD_INPUT'));
});

test('coordinates that do not transform (outside the CRS) are refused, never written as null', () => {
  // UTM zone 16N far beyond its valid area: proj gives non-finite longitudes/latitudes.
  const g = makeGeoRef({ affine: [5e5, 1, 0, 4e6, 0, -1], geoKeys: { ProjectedCSTypeGeoKey: 32616, GTModelTypeGeoKey: 1 }, width: 10, height: 10 });
  assert.throws(() => g.workToOutput([1e11, 1e11]), code('BAD_CRS'));
});

test('vectorize / extract from the CLI: degenerate geotransforms exit 1 with a clear message and no output', () => {
  const cases: Array<[string, [number, number], [number, number]]> = [
    ['huge.tif', [1e300, 1e300], [1, 1]], ['zero.tif', [500000, 4000000], [0, 0]], ['nan.tif', [NaN, 4000000], [1, 1]],
  ];
  for (const [name, origin, scale] of cases) {
    const file = maskTif(name, origin, scale);
    const out = path.join(dir, `${name}.geojson`);
    const r = spawnSync(process.execPath, [bin, 'vectorize', file, '-o', out, '--quiet'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, `${name}: ${r.stdout} ${r.stderr}`);
    assert.match(r.stderr, /invalid georeferencing/, name);
    assert.ok(!existsSync(out), `${name}: no output`);
  }
  const ok = maskTif('ok.tif', [500000, 4000000], [1, 1]);
  const r = spawnSync(process.execPath, [bin, 'vectorize', ok, '-o', '-', '--quiet'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const fc = JSON.parse(r.stdout) as { features: Array<{ geometry: { coordinates: number[][][] } }> };
  assert.equal(fc.features.length, 1);
  assert.ok(fc.features[0].geometry.coordinates.flat(2).every(Number.isFinite));
  const srs = spawnSync(process.execPath, [bin, 'vectorize', ok, '--srs', '', '-o', path.join(dir, 'srs.geojson')], { encoding: 'utf8' });
  assert.equal(srs.status, 1);
  assert.match(srs.stderr, /srs: got an empty string/);
  const both = spawnSync(process.execPath, [bin, 'extract', ok, '--window', '0,0,8,8', '--bbox', '0,0,1,1', '-o', path.join(dir, 'b.geojson')], { encoding: 'utf8' });
  assert.equal(both.status, 1);
  assert.match(both.stderr, /--window and --bbox/);
});

test('a job with imgsz different from tileSize is refused (imgsz was accepted and ignored)', async () => {
  const model = path.join(dir, 'fixture.onnx');
  writeFileSync(model, buildFixtureSegModel());
  const t = await startTestServer({ backendOptions: { model, cacheDir: null } });
  try {
    const mask = maskTif('job.tif', [500000, 4000000], [1, 1]);
    writeFileSync(path.join(t.root, 'ok.tif'), readFileSync(mask));
    const res = await t.api('/api/jobs', { method: 'POST', json: { path: 'ok.tif', options: { imgsz: 640, tileSize: 512 } } });
    const body = await res.json() as { error?: { code: string; message: string } };
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(body.error!.message, /imgsz/);
    // imgsz alone is the tile size: 32×32 px with tiles of 32 and overlap 0 → 1 tile; with 8 → 16 tiles.
    const one = await t.api('/api/jobs', { method: 'POST', json: { path: 'ok.tif', options: { imgsz: 32, overlap: 0 } } });
    assert.equal(one.status, 202, await one.clone().text());
    assert.equal((await one.json() as { total: number }).total, 1);
    const many = await t.api('/api/jobs', { method: 'POST', json: { path: 'ok.tif', options: { imgsz: 8, overlap: 0 } } });
    const mb = await many.json() as { total?: number; error?: { message: string } };
    assert.ok(many.status === 202 ? mb.total === 16 : /imgsz|tileSize|minimum/.test(mb.error!.message), JSON.stringify(mb));
  } finally {
    await t.close();
  }
});
