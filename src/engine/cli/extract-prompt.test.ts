import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { fixtureClipVision, fixtureClipText } from '../testing/fixture-clip-models.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { sharedData, tmpDir } from '../testing/raster-fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir('fsg-cli-prompt-');
const modelFile = path.join(dir, 'fixture-seg.onnx');
writeFileSync(modelFile, buildFixtureSegModel());
writeFileSync(path.join(dir, 'v.onnx'), fixtureClipVision());
writeFileSync(path.join(dir, 't.onnx'), fixtureClipText());
const tif = path.join(dir, 'sq.tif');
const bands = squaresBands(512, 512, [[64, 64, 56], [256, 64, 112], [96, 320, 112]]);
for (let y = 320; y < 432; y++) for (let x = 96; x < 208; x++) bands[2][y * 512 + x] = 255; // magenta
writeGeoTiff(tif, { width: 512, height: 512, bands, geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
const env = { ...process.env, FASTSAM_GEO_CACHE: path.join(dir, 'cache') };
const run = (args: string[]) => spawnSync(process.execPath, [bin, 'extract', tif, '--model', modelFile, '--tile-size', '512', '--no-regularize', '--min-area', '0', ...args], { encoding: 'utf8', env });

test('extract --points selects one building; a later --box on the same raster runs no model (disk cache)', () => {
  const out1 = path.join(dir, 'p.geojson');
  // pixel (300, 100) of the 112-px red square, in the raster's CRS (EPSG:32616)
  const r1 = run(['-o', out1, '--points', `${733601 + 300 * 0.5},${3725139 - 100 * 0.5}`]);
  assert.equal(r1.status, 0, r1.stderr);
  const fc1 = JSON.parse(readFileSync(out1, 'utf8'));
  assert.deepEqual(fc1.features.map((f: any) => [f.properties.area_m2, f.properties.prompt]), [[(112 * 112 - 4) * 0.25, 'point']]);
  assert.doesNotMatch(r1.stderr, /cached/);
  const out2 = path.join(dir, 'b.geojson');
  const r2 = run(['-o', out2, '--box', '60,60,124,124', '--prompt-crs', 'pixel']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, /cached: no model run/);
  assert.deepEqual(JSON.parse(readFileSync(out2, 'utf8')).features.map((f: any) => f.properties.area_m2), [(56 * 56 - 4) * 0.25]);
});

test('extract --text with CLIP files picks the magenta square for "blue"; bad flags are clear errors', () => {
  const out = path.join(dir, 't.geojson');
  const r = run(['-o', out, '--text', 'blue', '--clip-vision', path.join(dir, 'v.onnx'), '--clip-text', path.join(dir, 't.onnx'),
    '--clip-bpe', sharedData('clip/bpe_simple_vocab_16e6.txt.gz')]);
  assert.equal(r.status, 0, r.stderr);
  const fc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(fc.features.length, 1);
  assert.equal(fc.features[0].properties.prompt, 'text: blue');
  const bad = run(['-o', out, '--points', '1,2,7']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /expected 1 \(foreground\) or 0/);
  const two = run(['-o', out, '--points', '1,2', '--text', 'x']);
  assert.match(two.stderr, /several of --points, --box and --text/);
});
