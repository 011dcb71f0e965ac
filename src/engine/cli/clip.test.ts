import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { sharedData } from '../testing/shared-data.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const bpe = sharedData('clip/bpe_simple_vocab_16e6.txt.gz');

test('fastsam-geo clip tokenize prints the reference ids padded to 77', () => {
  const r = spawnSync(process.execPath, [bin, 'clip', 'tokenize', 'a satellite image of a house with a red roof', '--bpe', bpe], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ids = JSON.parse(r.stdout);
  assert.equal(ids.length, 77);
  assert.deepEqual(ids.slice(0, 12), [49406, 320, 10316, 2867, 539, 320, 1212, 593, 320, 736, 6449, 49407]);
  assert.equal(ids[12], 0);
});

test('fastsam-geo clip tokenize --no-pad prints SOT … EOT', () => {
  const r = spawnSync(process.execPath, [bin, 'clip', 'tokenize', '--no-pad', '--bpe', bpe, 'Hello, World'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [49406, 3306, 267, 1002, 49407]);
});

test('without a merges file in the models directory, the vocabulary shipped in the package is used (issue 15)', () => {
  const empty = tmpDir('fsg-models-');
  const r = spawnSync(process.execPath, [bin, 'clip', 'tokenize', '--no-pad', 'Hello, World'], {
    encoding: 'utf8', env: { ...process.env, FASTSAM_GEO_MODELS: empty },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [49406, 3306, 267, 1002, 49407]); // the same ids as with ../shared's copy
});
