/**
 * Masks split between this thread and the helper threads (mask-helper.ts, util/helper-thread.ts) are the
 * masks a one-thread decode gives, bit for bit and in the same order; what a helper fails to do is done on
 * this thread. Three helpers here ($FASTSAM_GEO_HELPER_THREADS, read when the pool starts), so four
 * threads share the work whatever the machine's cores.
 */
process.env.FASTSAM_GEO_HELPER_THREADS = '3';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOutputs } from './segmodel.js';
import type { RawOutputs, SegModel } from './segmodel.js';
import { letterboxGeometry } from './letterbox.js';
import { helperJobsSent, shareWork, useHelperThreads, whenHelpersReady } from '../util/helper-thread.js';

/** Seeded uniform numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Raw outputs of a 1-class seg model at 640 for a 900 × 700 image: 400 random boxes above conf, random coefficients and prototypes. */
function rawOutputs(): RawOutputs {
  const r = rng(7);
  const nm = 32, N = 8400, rows = 4 + 1 + nm, mh = 160, mw = 160;
  const det = new Float32Array(rows * N);
  for (let a = 0; a < N; a++) {
    const w = 8 + r() * 120, h = 8 + r() * 120;
    det[0 * N + a] = w / 2 + r() * (640 - w);
    det[1 * N + a] = 70 + h / 2 + r() * (500 - h);
    det[2 * N + a] = w;
    det[3 * N + a] = h;
    det[4 * N + a] = a < 400 ? 0.5 + 0.5 * r() : 0.1 * r();
    for (let c = 0; c < nm; c++) det[(5 + c) * N + a] = r() * 2 - 1;
  }
  const proto = new Float32Array(nm * mh * mw);
  for (let i = 0; i < proto.length; i++) proto[i] = r() * 2 - 1;
  return {
    input: {
      tensor: new Float32Array(0),
      size: [640, 640],
      geometry: letterboxGeometry(900, 700, 640, 640),
      image: { width: 900, height: 700 },
      options: { conf: 0.4, iou: 0.9, maxDet: 300 },
      preprocessMs: 0,
    },
    det: { data: det, dims: [1, rows, N] },
    proto: { data: proto, dims: [1, nm, mh, mw] },
    inferenceMs: 0,
  };
}

const model = { name: 'synthetic', detName: 'output0', protoName: 'output1', device: 'cpu' } as unknown as SegModel;

test('masks decoded on four threads equal the one-thread decode, bit for bit, in order', async (t) => {
  assert.equal(await whenHelpersReady(), 3, 'three helper threads start');
  const raw = rawOutputs();
  useHelperThreads(false);
  const one = await decodeOutputs(model, raw);
  assert.equal(helperJobsSent(), 0, 'turned off: nothing sent');
  useHelperThreads(true);
  const two = await decodeOutputs(model, raw);
  assert.equal(helperJobsSent(), 3, 'one part of the masks went to each helper');
  t.diagnostic(`${one.detections.length} detections`);
  assert.ok(one.detections.length >= 100, 'enough masks to be split');
  assert.equal(two.detections.length, one.detections.length);
  for (let i = 0; i < one.detections.length; i++) {
    const a = one.detections[i], b = two.detections[i];
    assert.deepEqual(b.box, a.box);
    assert.equal(b.area, a.area);
    assert.deepEqual({ ...b.mask, data: null }, { ...a.mask, data: null });
    assert.ok(Buffer.from(b.mask.data).equals(Buffer.from(a.mask.data)), `mask ${i} identical`);
  }
  assert.ok(one.detections.some((d) => d.area > 0), 'masks are not empty');
});

test('shareWork: every item once, in item order; jobs that cannot be sent or that fail in a helper are done on this thread', async () => {
  assert.equal(await whenHelpersReady(), 3);
  const n = 40;
  const items = Array.from({ length: n }, (_, i) => i);
  // The job cannot be made: done here.
  const unsent = await shareWork(n, () => 1, (i) => -i, () => {
    throw new Error('no job');
  });
  assert.deepEqual(unsent, items.map((i) => -i));
  // The helper throws on the job (no geometry) after claiming a mask: done here.
  const before = helperJobsSent();
  const failed = await shareWork(n, (i) => i, (i) => i * i, (claim, order) => ({ job: { type: 'masks', claim, order } as never }));
  assert.deepEqual(failed, items.map((i) => i * i));
  assert.equal(helperJobsSent() - before, 3, 'each helper was sent the job');
  // Below the threshold nothing is sent.
  await shareWork(5, () => 1, (i) => i, () => ({ job: { type: 'masks' } as never }));
  assert.equal(helperJobsSent() - before, 3);
  // Aborting: stop() ends the claiming on every thread and the error reaches the caller.
  let calls = 0;
  await assert.rejects(shareWork(n, () => 1, (i, stop) => {
    if (++calls === 3) {
      stop();
      throw new Error('aborted');
    }
    return i;
  }, (claim, order) => ({ job: { type: 'masks', claim, order } as never })), /aborted/);
});
