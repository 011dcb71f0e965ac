/**
 * `fastsam-geo extract` / `vectorize` as a user runs them: bad input gives a clear error, a non-zero
 * exit and no output file; the default model is missing here and the message says how to provide it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { burnAtlantaLabels, sharedData, tmpDir } from '../testing/raster-fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir();
const modelFile = path.join(dir, 'fixture.onnx');
writeFileSync(modelFile, buildFixtureSegModel());
const GT: [number, number, number, number, number, number] = [733601, 0.5, 0, 3725139, 0, -0.5];
const good = path.join(dir, 'good.tif');
writeGeoTiff(good, { width: 256, height: 256, bands: squaresBands(256, 256, [[64, 64, 56]]), geotransform: GT, epsg: 32616 });

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function expectFailure(name: string, args: string[], message: RegExp): void {
  const out = path.join(dir, `${name}.geojson`);
  const r = run([...args, '-o', out, '--quiet']);
  assert.equal(r.status, 1, `${name}: exit ${r.status}, stderr ${r.stderr}`);
  assert.match(r.stderr, message, name);
  assert.ok(!existsSync(out), `${name}: no output file`);
}

test('extract runs with --model and writes a GeoJSON with the documented properties and a summary', () => {
  const out = path.join(dir, 'ok.geojson');
  const r = run(['extract', good, '--model', modelFile, '--tile-size', '256', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /1 buildings from 1 tiles/);
  assert.match(r.stderr, /per tile: read .*, model .*, decode .*, vectorize /);
  const fc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(fc.features.length, 1);
  assert.deepEqual(Object.keys(fc.features[0].properties).sort(), ['area_m2', 'id', 'regularized', 'score', 'source', 'tile']);
  const q = run(['extract', good, '--model', modelFile, '--tile-size', '256', '-o', out, '--quiet']);
  assert.equal(q.status, 0);
  assert.equal(q.stderr, '');
});

test('extract without --model, offline: the default FastSAM-s cannot be fetched → MODEL_MISSING naming the file and --model PATH', () => {
  const out = path.join(dir, 'nomodel.geojson');
  // Port 1 is refused by fetch at once: the download fails as it does without internet.
  const r = run(['extract', good, '-o', out], { FASTSAM_GEO_MODELS: path.join(dir, 'models'), FASTSAM_GEO_FASTSAM_URL: 'http://127.0.0.1:1' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${path.join(dir, 'models').replace(/[/.]/g, '\\$&')}.*FastSAM-s\\.onnx`));
  assert.match(r.stderr, /fetching it failed \(cannot download http:\/\/127\.0\.0\.1:1\/FastSAM-s\.pt/);
  assert.match(r.stderr, /fastsam-geo models download FastSAM-s/);
  assert.match(r.stderr, /--model PATH/);
  assert.ok(!existsSync(out));
});

test('bad input: truncated TIFF, non-TIFF, all-nodata, unknown CRS code, window outside: clear errors, no output file', () => {
  const truncated = path.join(dir, 'truncated.tif');
  writeFileSync(truncated, readFileSync(sharedData('geotiff/spacenet-atlanta/sample_geotiff.tif')).subarray(0, 4000));
  expectFailure('truncated', ['extract', truncated, '--model', modelFile], /truncated\.tif: truncated file: image data runs to byte \d+ but the file has 4000 bytes/);
  const text = path.join(dir, 'notes.tif');
  writeFileSync(text, 'these are not pixels\n');
  expectFailure('nontiff', ['extract', text, '--model', modelFile], /notes\.tif is not a readable GeoTIFF/);
  expectFailure('missing', ['extract', path.join(dir, 'nope.tif'), '--model', modelFile], /nope\.tif does not exist/);
  const empty = path.join(dir, 'nodata.tif');
  writeGeoTiff(empty, { width: 64, height: 64, bands: [new Uint16Array(64 * 64)], geotransform: GT, epsg: 32616, nodata: 0 });
  expectFailure('nodata', ['extract', empty, '--model', modelFile], /every pixel is nodata \(0\)/);
  // For vectorize, nodata 0 with all zeros is just an empty mask; all pixels at another nodata is EMPTY.
  const full = path.join(dir, 'nodata255.tif');
  writeGeoTiff(full, { width: 64, height: 64, bands: [new Uint8Array(64 * 64).fill(255)], geotransform: GT, epsg: 32616, nodata: 255 });
  expectFailure('nodata-vec', ['vectorize', full], /every pixel is nodata \(255\)/);
  // EPSG:2056 (Swiss CH1903+ / LV95) is real but has no built-in definition here.
  const swiss = path.join(dir, 'swiss.tif');
  writeGeoTiff(swiss, { width: 64, height: 64, bands: squaresBands(64, 64, []), geotransform: [2600000, 1, 0, 1200000, 0, -1], epsg: 2056 });
  expectFailure('crs', ['extract', swiss, '--model', modelFile], /unknown CRS EPSG:2056.*--srs/);
  expectFailure('crs-vec', ['vectorize', swiss], /unknown CRS EPSG:2056/);
  expectFailure('window', ['extract', good, '--model', modelFile, '--window', '200,200,400,400'], /window \[200, 200, 400, 400\] is outside .*256×256/);
  expectFailure('bbox', ['extract', good, '--model', modelFile, '--bbox', '10,10,11,11'], /extent .* is outside/);
  expectFailure('badopt', ['extract', good, '--model', modelFile, '--overlap', 'lots'], /--overlap: got "lots", expected an integer/);
  // --srs makes the Swiss raster usable.
  const out = path.join(dir, 'swiss.geojson');
  const ok = run(['vectorize', swiss, '--srs', '+proj=somerc +lat_0=46.9524055555556 +lon_0=7.43958333333333 +k_0=1 +x_0=2600000 +y_0=1200000 +ellps=bessel +towgs84=674.374,15.056,405.346,0,0,0,0 +units=m +no_defs', '-o', out]);
  assert.equal(ok.status, 0, ok.stderr);
});

test('vectorize of the burned SpaceNet labels from the CLI: native CRS member, exact areas; --regularize keeps buildings close', () => {
  const labels = burnAtlantaLabels(dir);
  const out = path.join(dir, 'labels.geojson');
  const r = run(['vectorize', labels, '--crs', 'native', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  const fc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(fc.crs.properties.name, 'urn:ogc:def:crs:EPSG::32616');
  assert.ok(fc.features.every((f: any) => f.properties.area_m2 === f.properties.pixels * 0.25));
  const copy = path.join(dir, 'labels-copy.tif');
  copyFileSync(labels, copy);
  const rr = run(['vectorize', copy, '--regularize', '--min-area', '20', '-o', out]);
  assert.equal(rr.status, 0, rr.stderr);
  const reg = JSON.parse(readFileSync(out, 'utf8'));
  assert.ok(reg.features.length > 30 && reg.features.length <= fc.features.length);
});

test('Ctrl-C during extract stops after the current tile: exit 130, "cancelled", no output file', async () => {
  const big = path.join(dir, 'big.tif');
  writeGeoTiff(big, { width: 2048, height: 2048, bands: squaresBands(2048, 2048, [[64, 64, 56]]), geotransform: GT, epsg: 32616, options: ['TILED=YES'] });
  const out = path.join(dir, 'interrupted.geojson');
  const child = spawn(process.execPath, [bin, 'extract', big, '--model', modelFile, '--tile-size', '256', '--overlap', '0', '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Interrupt once the first tiles are done (64 tiles in all).
      if (/\b[1-9]\d*\/64 tiles/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted: stopping after the current tile/);
  assert.match(stderr, /cancelled/);
  assert.ok(!existsSync(out), 'no output file');
});

test('extract picks two sessions from 16 tiles on with 2 threads (the same file as one session), one with 1 thread or fewer tiles', () => {
  const grid = path.join(dir, 'sixteen.tif'); // 832² in 256 px tiles, overlap 64: 4 × 4 tiles
  writeGeoTiff(grid, { width: 832, height: 832, bands: squaresBands(832, 832, [[40, 40, 56], [300, 200, 56], [620, 560, 48]]), geotransform: GT, epsg: 32616 });
  const args = (out: string): string[] => ['extract', grid, '--model', modelFile, '--tile-size', '256', '--overlap', '64', '-o', out];
  const auto = path.join(dir, 'sixteen-auto.geojson');
  const r = run(args(auto), { FASTSAM_GEO_THREADS: '2' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /device cpu \(2 sessions × 1 thread\)/);
  const one = path.join(dir, 'sixteen-one.geojson');
  const r1 = run([...args(one), '--sessions', '1'], { FASTSAM_GEO_THREADS: '2' });
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stderr, /device cpu \(2 threads\)/);
  assert.ok(JSON.parse(readFileSync(one, 'utf8')).features.length >= 1, 'buildings found');
  assert.ok(readFileSync(one).equals(readFileSync(auto)), 'same bytes');
  const r2 = run(args(path.join(dir, 'sixteen-t1.geojson')), { FASTSAM_GEO_THREADS: '1' });
  assert.match(r2.stderr, /device cpu \(1 thread\)/);
  const r3 = run(['extract', good, '--model', modelFile, '--tile-size', '256', '-o', path.join(dir, 'few-tiles.geojson')], { FASTSAM_GEO_THREADS: '2' });
  assert.match(r3.stderr, /device cpu \(2 threads\)/);
});

test('extract --sessions 2 runs two model sessions and writes the same file as one session; a bad count is refused', () => {
  const many = path.join(dir, 'many.tif');
  writeGeoTiff(many, { width: 640, height: 384, bands: squaresBands(640, 384, [[40, 40, 56], [300, 200, 56], [520, 60, 48]]), geotransform: GT, epsg: 32616 });
  const one = path.join(dir, 'sessions-1.geojson');
  const two = path.join(dir, 'sessions-2.geojson');
  const r1 = run(['extract', many, '--model', modelFile, '--tile-size', '256', '--overlap', '64', '-o', one, '--quiet']);
  assert.equal(r1.status, 0, r1.stderr);
  const r2 = run(['extract', many, '--model', modelFile, '--tile-size', '256', '--overlap', '64', '--sessions', '2', '-o', two, '--quiet']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(JSON.parse(readFileSync(one, 'utf8')).features.length >= 1, 'buildings found');
  assert.ok(readFileSync(one).equals(readFileSync(two)), 'same bytes with one and two sessions');
  expectFailure('sessions-0', ['extract', many, '--model', modelFile, '--sessions', '0'], /--sessions: got "0", expected an integer ≥ 1/);
});
