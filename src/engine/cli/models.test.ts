import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpDir } from '../testing/raster-fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir('fsg-models-cli-');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'models', ...args], { encoding: 'utf8', env: { ...process.env, FASTSAM_GEO_MODELS: dir } });

test('models list --json reports the models directory, presence, URLs and checksums', () => {
  const r = run('list', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.modelsDir, dir);
  const s = j.models.find((m: any) => m.name === 'FastSAM-s');
  assert.deepEqual([s.present, s.path, s.sha256], [false, path.join(dir, 'FastSAM-s.onnx'), null]);
});

test('models path prints the file and exits 1 when missing; unknown names are a clear error', () => {
  const r = run('path', 'FastSAM-x');
  assert.equal(r.status, 1);
  assert.equal(r.stdout.trim(), path.join(dir, 'FastSAM-x.onnx'));
  const u = run('download', 'SAM-h');
  assert.equal(u.status, 1);
  assert.match(u.stderr, /unknown model 'SAM-h': expected one of FastSAM-s, FastSAM-x/);
});
