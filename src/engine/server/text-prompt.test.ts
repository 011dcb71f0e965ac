// Text prompts over HTTP with the fixture CLIP encoders: the tokenizer's BPE merges come from
// --clip-bpe (EngineBackendOptions.clipBpe), else the models directory, else the copy shipped in the
// package (assets/clip; issue 15: text prompts need no extra file). Regression:
// the engine started by Jupyter had no way to be given the BPE file, so every text prompt in
// JupyterLab answered 409 MODEL_MISSING.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../testing/server.js';
import { SQUARES, writeFixtureModel, writeSquaresTif } from '../testing/server-data.js';
import { fixtureClipText, fixtureClipVision } from '../testing/fixture-clip-models.js';
import { sharedData } from '../testing/shared-data.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const servers: TestServer[] = [];
let models: string;

before(() => {
  models = tmpDir('fsg-models-');
  // an empty models directory: nothing is found by name there
  process.env.FASTSAM_GEO_MODELS = tmpDir('fsg-empty-models-');
  writeFileSync(path.join(models, 'v.onnx'), fixtureClipVision());
  writeFileSync(path.join(models, 't.onnx'), fixtureClipText());
});
after(async () => {
  for (const s of servers) await s.close();
});

async function server(clipBpe?: string): Promise<TestServer> {
  const t = await startTestServer({
    backendOptions: { model: writeFixtureModel(models), clipVision: path.join(models, 'v.onnx'), clipText: path.join(models, 't.onnx'), clipBpe, cacheDir: null },
  });
  servers.push(t);
  await writeSquaresTif(t.root);
  return t;
}

test('a text prompt uses the BPE merges given as clipBpe (serve --clip-bpe)', async () => {
  const t = await server(sharedData('clip/bpe_simple_vocab_16e6.txt.gz'));
  const res = await t.api('/api/prompt', { method: 'POST', json: { path: 'squares.tif', text: 'a red roof', threshold: 0.5 } });
  assert.equal(res.status, 200, await res.clone().text());
  const fc = await res.json() as any;
  assert.equal(fc.features.length, SQUARES.length);
  for (const f of fc.features) {
    assert.ok(Math.abs(f.properties.score - 1) < 1e-3, `score ${f.properties.score}`);
    assert.equal(f.properties.prompt, 'text:a red roof');
  }
  assert.ok(Math.abs(fc.best_score - 1) < 1e-3, `best_score ${fc.best_score}`);
});

test('a text prompt where nothing passes the threshold says the best score (best_score), so the map can tell how close it came', async () => {
  const t = await server(sharedData('clip/bpe_simple_vocab_16e6.txt.gz'));
  // the fixture CLIP scores "a red roof" 1 on the red squares: nothing reaches 1.5
  const res = await t.api('/api/prompt', { method: 'POST', json: { path: 'squares.tif', text: 'a red roof', threshold: 1.5 } });
  assert.equal(res.status, 200, await res.clone().text());
  const fc = await res.json() as any;
  assert.equal(fc.features.length, 0);
  assert.ok(Math.abs(fc.best_score - 1) < 1e-3, `best_score ${fc.best_score}`);
});

test('without --clip-bpe and none in the models directory, the BPE merges shipped in the package (assets/clip) are used', async () => {
  const t = await server();
  const res = await t.api('/api/prompt', { method: 'POST', json: { path: 'squares.tif', text: 'a red roof', threshold: 0.5 } });
  assert.equal(res.status, 200, await res.clone().text());
  const fc = await res.json() as any;
  assert.equal(fc.features.length, SQUARES.length);
});
