import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { downloadFile } from './download.js';
import { findModel, knownModels, resolveModel } from './registry.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const dir = tmpDir('fsg-models-');

test('the registry lists FastSAM-s, FastSAM-x (converted from Ultralytics checkpoints) and the CLIP files', () => {
  const names = knownModels().map((m) => m.name);
  assert.deepEqual(names.slice(0, 2), ['FastSAM-s', 'FastSAM-x']);
  assert.ok(names.includes('clip-bpe'));
  const s = findModel('fastsam-s')!;
  assert.equal(s.file, 'FastSAM-s.onnx');
  const prev = process.env.FASTSAM_GEO_FASTSAM_URL;
  delete process.env.FASTSAM_GEO_FASTSAM_URL;
  try {
    assert.equal(s.url, 'https://github.com/ultralytics/assets/releases/download/v8.4.0/FastSAM-s.pt');
    process.env.FASTSAM_GEO_FASTSAM_URL = 'http://127.0.0.1:8/mirror/';
    assert.equal(findModel('FastSAM-x')!.url, 'http://127.0.0.1:8/mirror/FastSAM-x.pt');
  } finally {
    if (prev === undefined) delete process.env.FASTSAM_GEO_FASTSAM_URL; else process.env.FASTSAM_GEO_FASTSAM_URL = prev;
  }
  assert.equal(s.convert, true); // the .pt is converted to ONNX in Node (models/convert.ts)
  for (const m of knownModels()) assert.equal(m.checksumVerified, m.sha256 !== null);
});

test('resolveModel: a missing default model is MODEL_MISSING naming the file and how to provide it', () => {
  const prev = process.env.FASTSAM_GEO_MODELS;
  process.env.FASTSAM_GEO_MODELS = path.join(dir, 'empty');
  try {
    assert.throws(() => resolveModel(undefined), (e: any) => e.code === 'MODEL_MISSING'
      && e.message.includes(path.join(dir, 'empty', 'FastSAM-s.onnx')) && /--model PATH/.test(e.message) && /models download FastSAM-s/.test(e.message));
    assert.throws(() => resolveModel('FastSAM-x'), (e: any) => e.code === 'MODEL_MISSING' && /FastSAM-x\.onnx/.test(e.message));
    assert.throws(() => resolveModel('FastSAM-x', 'segment'), (e: any) => e.code === 'MODEL_MISSING');
    assert.throws(() => resolveModel(path.join(dir, 'none.onnx')), (e: any) => e.code === 'NOT_FOUND');
    process.env.FASTSAM_GEO_MODELS = dir;
    writeFileSync(path.join(dir, 'FastSAM-s.onnx'), 'x');
    assert.equal(resolveModel(undefined), path.join(dir, 'FastSAM-s.onnx'));
    assert.equal(resolveModel(path.join(dir, 'FastSAM-s.onnx')), path.join(dir, 'FastSAM-s.onnx'));
  } finally {
    if (prev === undefined) delete process.env.FASTSAM_GEO_MODELS; else process.env.FASTSAM_GEO_MODELS = prev;
  }
});

test('downloadFile over a real loopback server: progress, sha256 check, temp file + rename, clear failures', async () => {
  const body = Buffer.alloc(300_000, 7);
  const sha = createHash('sha256').update(body).digest('hex');
  const server = createServer((req, res) => {
    if (req.url === '/model.bin') { res.writeHead(200, { 'content-length': body.length }); res.end(body); } else { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const seen: number[] = [];
    const dest = path.join(dir, 'dl', 'model.bin');
    const r = await downloadFile(`${base}/model.bin`, dest, { sha256: sha, onProgress: (n) => seen.push(n) });
    assert.equal(r.sha256, sha);
    assert.deepEqual(readFileSync(dest), body);
    assert.equal(seen.at(-1), body.length);

    const bad = path.join(dir, 'dl', 'bad.bin');
    await assert.rejects(downloadFile(`${base}/model.bin`, bad, { sha256: '0'.repeat(64) }), (e: any) => e.code === 'DOWNLOAD_FAILED' && /checksum mismatch/.test(e.message));
    await assert.rejects(downloadFile(`${base}/missing`, bad), (e: any) => e.code === 'DOWNLOAD_FAILED' && /HTTP 404/.test(e.message));
    assert.equal(existsSync(bad), false);
    assert.deepEqual(readdirSync(path.join(dir, 'dl')).filter((f) => f.endsWith('.part')), []);
  } finally {
    server.close();
  }
  // nothing listening: a clear DOWNLOAD_FAILED, as without internet
  await assert.rejects(downloadFile(`${base}/model.bin`, path.join(dir, 'dl', 'x.bin')), (e: any) => e.code === 'DOWNLOAD_FAILED' && /cannot download/.test(e.message));
});
