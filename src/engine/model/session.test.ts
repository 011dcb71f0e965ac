import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSession, parseDevice } from './session.js';
import { intraOpThreads } from '../config.js';
import { osThreads, threadsSettle } from '../testing/os-threads.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const fixture = buildFixtureSegModel({ size: [64, 64] });

test('openSession reads inputs, outputs and metadata and runs on cpu', async () => {
  const s = await openSession(fixture);
  assert.equal(s.device, 'cpu');
  assert.deepEqual(s.inputs, [{ name: 'images', dims: [1, 3, 64, 64], type: 'float32' }]);
  assert.deepEqual(s.outputs.map((o) => [o.name, o.dims]), [['output0', [1, 37, 84]], ['output1', [1, 32, 16, 16]]]);
  assert.equal(s.metadata.task, 'segment');
  const out = await s.run({ images: { data: new Float32Array(3 * 64 * 64), dims: [1, 3, 64, 64] } });
  assert.deepEqual(out.output0.dims, [1, 37, 84]);
  assert.ok(out.output0.data instanceof Float32Array);
  await s.dispose();
});

test('parseDevice: names, strict suffix, unknown names are BAD_INPUT', () => {
  assert.deepEqual(parseDevice('webgpu!'), { device: 'webgpu', strict: true });
  assert.deepEqual(parseDevice('CUDA'), { device: 'cuda', strict: false });
  assert.throws(() => parseDevice('tpu'), (e: any) => e.code === 'BAD_INPUT' && /unknown device 'tpu'.*cpu, webgpu, cuda, tensorrt/.test(e.message));
});

test('an unknown device is BAD_INPUT before the model is read', async () => {
  await assert.rejects(openSession(fixture, { device: 'gpu' }), (e: any) => e.code === 'BAD_INPUT');
});

test('bytes that are not ONNX are BAD_MODEL; a missing file is NOT_FOUND', async () => {
  await assert.rejects(openSession(new TextEncoder().encode('not a model at all')), (e: any) => e.code === 'BAD_MODEL' && /not an ONNX model/.test(e.message));
  const dir = tmpDir('fsg-session-');
  const jpeg = path.join(dir, 'x.onnx');
  writeFileSync(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70]));
  await assert.rejects(openSession(jpeg), (e: any) => e.code === 'BAD_MODEL' && /x\.onnx is not an ONNX model/.test(e.message));
  await assert.rejects(openSession(path.join(dir, 'missing.onnx')), (e: any) => e.code === 'NOT_FOUND');
});

test('cuda without its binaries falls back to cpu with a warning; cuda! and strict fail with DEVICE_UNAVAILABLE', async () => {
  const warnings: string[] = [];
  const s = await openSession(fixture, { device: 'cuda', onWarning: (m) => warnings.push(m) });
  assert.equal(s.device, 'cpu');
  assert.equal(s.requestedDevice, 'cuda');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /device 'cuda' is unavailable.*falling back to cpu/);
  await s.dispose();
  await assert.rejects(openSession(fixture, { device: 'cuda!' }), (e: any) => e.code === 'DEVICE_UNAVAILABLE' && /cuda/.test(e.message));
  await assert.rejects(openSession(fixture, { device: 'tensorrt', strict: true }), (e: any) => e.code === 'DEVICE_UNAVAILABLE');
});

test('an aborted signal stops run() with ABORTED', async () => {
  const s = await openSession(fixture);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(s.run({ images: { data: new Float32Array(3 * 64 * 64), dims: [1, 3, 64, 64] } }, ac.signal), (e: any) => e.code === 'ABORTED');
  await s.dispose();
});

test('a session gets one intra-op thread per core by default; the option and $FASTSAM_GEO_THREADS change it', async () => {
  const cores = os.availableParallelism();
  assert.equal(intraOpThreads(), cores);
  assert.equal(intraOpThreads(3), 3);
  process.env.FASTSAM_GEO_THREADS = '5';
  try {
    assert.equal(intraOpThreads(), 5);
    assert.equal(intraOpThreads(2), 2);
  } finally {
    delete process.env.FASTSAM_GEO_THREADS;
  }
  // ONNX Runtime's intra-op pool has threads - 1 workers (the caller is the last one): count them.
  await (await openSession(fixture, { intraOpThreads: 1 })).dispose(); // first-session set-up threads
  const base = osThreads();
  for (const [opts, want] of [[{}, cores], [{ intraOpThreads: 3 }, 3], [{ intraOpThreads: 1 }, 1]] as const) {
    // The last session's pool threads were joined by its dispose; wait until the kernel stops counting them.
    const before = await threadsSettle((n) => n <= base);
    const s = await openSession(fixture, opts);
    assert.equal(s.intraOpThreads, want);
    assert.equal(osThreads() - before, want - 1, `${JSON.stringify(opts)}: ${want - 1} pool threads`);
    await s.dispose();
  }
});
