// `models download clip` against a real loopback HTTP server serving the fixture CLIP encoders at the
// upstream paths (onnx/vision_model*.onnx, onnx/text_model*.onnx): files saved under the engine's
// names, checked by opening them; a file that does not fit the contract is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { clipBaseUrl, clipVariants, CLIP_REVISION, downloadClip } from './clip-download.js';
import { fixtureClipText, fixtureClipVision } from '../testing/fixture-clip-models.js';
import { tmpDir } from '../testing/raster-fixtures.js';

test('the default base URL pins the Xenova revision; variants name the upstream files', () => {
  const prev = process.env.FASTSAM_GEO_CLIP_URL;
  delete process.env.FASTSAM_GEO_CLIP_URL;
  try {
    assert.equal(clipBaseUrl(), `https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/${CLIP_REVISION}`);
    assert.equal(CLIP_REVISION, '4c1807b705b1d015fb032789cc4d221b23025a6f');
  } finally {
    if (prev !== undefined) process.env.FASTSAM_GEO_CLIP_URL = prev;
  }
  assert.deepEqual(clipVariants(false).map((v) => [v.upstream, v.file]), [['onnx/vision_model.onnx', 'clip-vit-b32-vision.onnx'], ['onnx/text_model.onnx', 'clip-vit-b32-text.onnx']]);
  assert.deepEqual(clipVariants(true).map((v) => v.upstream), ['onnx/vision_model_quantized.onnx', 'onnx/text_model_quantized.onnx']);
});

test('downloadClip over loopback: both encoders saved and checked; a file that is not a CLIP encoder is deleted', async () => {
  const files: Record<string, Uint8Array> = {
    '/rev/onnx/vision_model.onnx': fixtureClipVision(),
    '/rev/onnx/text_model.onnx': fixtureClipText(),
    '/bad/onnx/vision_model_quantized.onnx': fixtureClipText(), // a text model where the vision one should be
  };
  const server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (body) { res.writeHead(200, { 'content-length': body.length }); res.end(body); } else { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = tmpDir('fsg-clip-dl-');
  const saved = { models: process.env.FASTSAM_GEO_MODELS, url: process.env.FASTSAM_GEO_CLIP_URL };
  process.env.FASTSAM_GEO_MODELS = dir;
  try {
    process.env.FASTSAM_GEO_CLIP_URL = `${base}/rev`;
    const r = await downloadClip({ log: () => {}, onProgress: () => {} });
    assert.deepEqual(r.map((f) => [f.part, path.basename(f.path), f.bytes]), [
      ['vision', 'clip-vit-b32-vision.onnx', files['/rev/onnx/vision_model.onnx'].length],
      ['text', 'clip-vit-b32-text.onnx', files['/rev/onnx/text_model.onnx'].length],
    ]);
    assert.deepEqual(readFileSync(path.join(dir, 'clip-vit-b32-text.onnx')), Buffer.from(files['/rev/onnx/text_model.onnx']));
    rmSync(path.join(dir, 'clip-vit-b32-vision.onnx'));
    process.env.FASTSAM_GEO_CLIP_URL = `${base}/bad`;
    await assert.rejects(downloadClip({ quantized: true, log: () => {}, onProgress: () => {} }),
      (e: any) => e.code === 'BAD_MODEL' && /does not fit the engine's CLIP vision contract and was deleted/.test(e.message));
    assert.equal(existsSync(path.join(dir, 'clip-vit-b32-vision.onnx')), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.part')), []);
  } finally {
    server.close();
    for (const [k, v] of [['FASTSAM_GEO_MODELS', saved.models], ['FASTSAM_GEO_CLIP_URL', saved.url]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
