import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));

test('fastsam-geo --version prints the package version', () => {
  const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('an unknown command exits 2 with usage', () => {
  const r = spawnSync(process.execPath, [bin, 'no-such-command'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'no-such-command'/);
});

// Regression (issue 15): the README's `--bbox -84.395,33.658,...` and `--box "-84.39,..."` were refused
// by node's parseArgs ("argument is ambiguous") because the value starts with '-'.
test('joinDashValues attaches negative-number values to long options, and nothing else', async () => {
  const { joinDashValues } = await import('./main.js');
  assert.deepEqual(joinDashValues(['a.tif', '--bbox', '-84.395,33.658,-84.39,33.66', '-o', 'x.geojson']),
    ['a.tif', '--bbox=-84.395,33.658,-84.39,33.66', '-o', 'x.geojson']);
  assert.deepEqual(joinDashValues(['--box', '-.5,1,2,3', '--quiet', '-o', 'out']), ['--box=-.5,1,2,3', '--quiet', '-o', 'out']);
  assert.deepEqual(joinDashValues(['--quiet', '--model', 'm.onnx', '--bands', '1']), ['--quiet', '--model', 'm.onnx', '--bands', '1']);
  assert.deepEqual(joinDashValues(['--json', '-h']), ['--json', '-h']);
});

test('extract takes --bbox and --box values that start with "-" as the README writes them', () => {
  const sample = fileURLToPath(new URL('../../../examples/data/spacenet-atlanta-crop.tif', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'extract', sample, '--bbox', '-84.4799,33.6376,-84.4779,33.6392',
    '--box', '-84.4795,33.6380,-84.4790,33.6385', '--prompt-crs', 'EPSG:4326', '--model', '/nonexistent/m.onnx', '-o', '/nonexistent/o.geojson'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.doesNotMatch(r.stderr, /ambiguous|Unknown option/);
  assert.match(r.stderr, /output directory .*\/nonexistent.* does not exist|model file not found/);
});
