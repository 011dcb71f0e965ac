// Regression (issue 18): `extract IN.tif -o IN.tif`, `vectorize M.tif -o M.tif` and `segment X --overlay X`
// replaced the input (exit 0); `-o /dev/null` replaced the device with a regular file; `-o DIR/.` gave a raw
// EBUSY. Outputs are checked before any work; `-o -` writes stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { linkSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir('fsg-clobber-');
const model = path.join(dir, 'fixture.onnx');
writeFileSync(model, buildFixtureSegModel());
const GT: [number, number, number, number, number, number] = [733601, 0.5, 0, 3725139, 0, -0.5];
const tif = path.join(dir, 'in.tif');
writeGeoTiff(tif, { width: 256, height: 256, bands: squaresBands(256, 256, [[64, 64, 56]]), geotransform: GT, epsg: 32616 });
const mask = path.join(dir, 'mask.tif');
const m = new Uint8Array(64 * 64);
for (let y = 10; y < 30; y++) for (let x = 10; x < 30; x++) m[y * 64 + x] = 1;
writeGeoTiff(mask, { width: 64, height: 64, bands: [m], geotransform: GT, epsg: 32616 });
symlinkSync(tif, path.join(dir, 'tif-link.geojson'));
linkSync(mask, path.join(dir, 'mask-hard.geojson'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args, '--quiet'], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}
const snapshot = () => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f)).toString('base64')]));

test('an output that is an input (also via a link, hard link or another spelling) is refused; inputs are untouched', () => {
  const before = snapshot();
  const cases: string[][] = [
    ['extract', tif, '--model', model, '-o', tif],
    ['extract', tif, '--model', model, '-o', path.join(dir, '.', 'in.tif')],
    ['extract', tif, '--model', model, '-o', model],
    ['extract', tif, '--model', model, '-o', path.join(dir, 'tif-link.geojson')],
    ['vectorize', mask, '-o', mask],
    ['vectorize', mask, '-o', path.join(dir, 'mask-hard.geojson')],
    ['segment', tif, '--model', model, '-o', path.join(dir, 'seg.json'), '--overlay', tif],
    ['segment', tif, '--model', model, '-o', tif],
  ];
  for (const args of cases) {
    const r = run(args);
    assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status} ${r.stderr}`);
    assert.match(r.stderr, /is the input|symbolic link/, args.join(' '));
  }
  assert.deepEqual(snapshot(), before);
});

test('-o onto a device, a directory or DIR/. is refused with a clear code; /dev/null stays a device', () => {
  for (const out of ['/dev/null', dir, path.join(dir, '.'), dir + '/']) {
    const r = run(['vectorize', mask, '-o', out]);
    assert.equal(r.status, 1, `${out}: ${r.stderr}`);
    assert.match(r.stderr, /not a regular file|is a directory/, out);
  }
  assert.ok(statSync('/dev/null').isCharacterDevice());
});

test('-o - writes the GeoJSON to stdout', () => {
  const r = run(['vectorize', mask, '-o', '-']);
  assert.equal(r.status, 0, r.stderr);
  const fc = JSON.parse(r.stdout) as { type: string; features: unknown[] };
  assert.equal(fc.type, 'FeatureCollection');
  assert.equal(fc.features.length, 1);
  const e = run(['extract', tif, '--model', model, '--tile-size', '256', '-o', '-']);
  assert.equal(e.status, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as { features: unknown[] }).features.length, 1);
});
