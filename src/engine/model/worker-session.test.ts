/**
 * The session in a worker thread: same inputs/outputs/metadata and the same numbers as a session on this
 * thread; this thread keeps turning while the model runs; errors keep their codes; dispose ends it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSession } from './session.js';
import { openWorkerSession } from './worker-session.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { sharedData } from '../testing/shared-data.js';
import { readImage } from '../image/io.js';
import { letterbox } from './letterbox.js';
import { decodeDetections } from './decode.js';
import { protosByCell } from './masks.js';
import type { AfterRun } from './after-run.js';

const fixture = buildFixtureSegModel();
const SIZE = 1024;

function input(): Float32Array {
  const x = new Float32Array(3 * SIZE * SIZE);
  // A red square (the fixture's object) in a gray field.
  for (let i = 0; i < SIZE * SIZE; i++) x[i] = x[SIZE * SIZE + i] = x[2 * SIZE * SIZE + i] = 0.4;
  for (let r = 300; r < 428; r++) for (let c = 500; c < 628; c++) { x[r * SIZE + c] = 1; x[SIZE * SIZE + r * SIZE + c] = 0; }
  return x;
}

test('a worker session describes and runs the model exactly as a session on this thread', async () => {
  const here = await openSession(fixture, { intraOpThreads: 1 });
  const there = await openWorkerSession(fixture, { intraOpThreads: 1 });
  try {
    assert.deepEqual(there.inputs, here.inputs);
    assert.deepEqual(there.outputs, here.outputs);
    assert.deepEqual(there.metadata, here.metadata);
    assert.equal(there.intraOpThreads, 1);
    const feeds = { images: { data: input(), dims: [1, 3, SIZE, SIZE] } };
    const a = await here.run(feeds);
    const b = await there.run(feeds);
    for (const k of Object.keys(a)) {
      assert.deepEqual(b[k].dims, a[k].dims);
      assert.ok(b[k].data instanceof Float32Array);
      assert.deepEqual(b[k].data, a[k].data, `${k} identical`);
    }
    // The caller's feed is copied, not taken away.
    assert.equal(feeds.images.data.length, 3 * SIZE * SIZE);
    // Marked `transfer`, it is moved instead (the caller's array is left empty during the run), with the
    // same result, and moved back after it: the feed holds the same values again, in a new array.
    const lent = input();
    const moved = { images: { data: lent, dims: [1, 3, SIZE, SIZE], transfer: true } };
    const running = there.run(moved);
    assert.equal(lent.length, 0, 'moved to the worker');
    const c = await running;
    assert.deepEqual(c.output1.data, a.output1.data);
    assert.notEqual(moved.images.data, lent);
    assert.deepEqual(moved.images.data, input(), 'moved back with its values');
  } finally {
    await here.dispose();
    await there.dispose();
  }
});

test('this thread turns while the worker runs the model', async () => {
  const s = await openWorkerSession(fixture);
  try {
    const feeds = { images: { data: input(), dims: [1, 3, SIZE, SIZE] } };
    let done = false;
    let turns = 0;
    const run = s.run(feeds).then(() => { done = true; });
    while (!done) {
      await new Promise((r) => setImmediate(r));
      turns++;
    }
    await run;
    assert.ok(turns > 1, `event loop turns during the run: ${turns}`);
  } finally {
    await s.dispose();
  }
});

test('worker errors keep their codes; a disposed worker session refuses to run', async () => {
  await assert.rejects(openWorkerSession(new Uint8Array([1, 2, 3])), (e: any) => e.code === 'BAD_MODEL');
  await assert.rejects(openWorkerSession('/nonexistent/model.onnx'), (e: any) => e.code === 'NOT_FOUND');
  const s = await openWorkerSession(fixture);
  await assert.rejects(s.run({ images: { data: new Float32Array(15), dims: [3, 5] } }), (e: any) => e.code === 'BAD_INPUT' && /running/.test(e.message));
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(s.run({ images: { data: input(), dims: [1, 3, SIZE, SIZE] } }, ac.signal), (e: any) => e.code === 'ABORTED');
  await s.dispose();
  await assert.rejects(s.run({ images: { data: input(), dims: [1, 3, SIZE, SIZE] } }), (e: any) => e.code === 'INTERNAL');
});

test('asked for (after-run.ts), the worker session filters and NMS-es the outputs it made: the candidates decodeDetections gives on them here', async () => {
  const s = await openWorkerSession(sharedData('models/yolov8n-seg_int8.onnx'), { intraOpThreads: 1 });
  try {
    const { tensor } = letterbox(await readImage(sharedData('images/bus.jpg')), 320, 320);
    const feeds = { images: { data: tensor, dims: [1, 3, 320, 320] } };
    const detections = { det: 'output0', proto: 'output1', conf: 0.05, iou: 0.7, maxDet: 300 };
    const after: AfterRun = { detections };
    const out = await s.run(feeds, undefined, after);
    const numClasses = out.output0.dims[1] - 4 - out.output1.dims[1];
    assert.equal(numClasses, 80);
    const here = decodeDetections(out.output0.data as Float32Array, out.output0.dims[2], { conf: 0.05, iou: 0.7, maxDet: 300, numClasses });
    assert.ok(here.scores.length >= 5, `${here.scores.length} candidates`);
    assert.deepEqual(after.candidates, here);
    // The cell-major prototypes, asked for with a buffer: those protosByCell gives here; not written when
    // the buffer is too small or too few candidates are kept.
    const [, nm, mh, mw] = out.output1.dims;
    const cells = nm * mh * mw;
    const withCells: AfterRun = { detections, byCell: { buffer: new SharedArrayBuffer(cells * 4 + 64), minDetections: 5 } };
    const out2 = await s.run(feeds, undefined, withCells);
    assert.equal(withCells.byCellDone, true);
    assert.deepEqual(new Float32Array(withCells.byCell!.buffer, 0, cells), protosByCell(out2.output1.data as Float32Array, { nm, mh, mw }));
    const small: AfterRun = { detections, byCell: { buffer: new SharedArrayBuffer(cells * 4 - 4), minDetections: 5 } };
    await s.run(feeds, undefined, small);
    assert.equal(small.byCellDone, undefined);
    const few: AfterRun = { detections, byCell: { buffer: new SharedArrayBuffer(cells * 4), minDetections: here.scores.length + 1 } };
    await s.run(feeds, undefined, few);
    assert.equal(few.byCellDone, undefined);
    assert.deepEqual(few.candidates, here);
    // Compact: the outputs the caller no longer needs stay in the worker; the candidates carry their mask
    // coefficients (output0's last nm rows at their anchors, read here from the full outputs above).
    const coeffs = new Float32Array(here.scores.length * nm);
    const N = out.output0.dims[2];
    here.index.forEach((a, i) => { for (let c = 0; c < nm; c++) coeffs[i * nm + c] = (out.output0.data as Float32Array)[(4 + numClasses + c) * N + a]; });
    const compact: AfterRun = { detections, byCell: { buffer: new SharedArrayBuffer(cells * 4), minDetections: 5 }, compact: true };
    const out3 = await s.run(feeds, undefined, compact);
    assert.deepEqual(Object.keys(out3), []);
    assert.deepEqual(compact.kept, { output0: out.output0.dims, output1: out.output1.dims });
    assert.deepEqual(compact.candidates, { ...here, coeffs });
    assert.deepEqual(new Float32Array(compact.byCell!.buffer, 0, cells), protosByCell(out2.output1.data as Float32Array, { nm, mh, mw }));
    // Without the cell-major copy (too few candidates) the prototypes come back; without candidates, both.
    const compactFew: AfterRun = { ...few, candidates: undefined, byCellDone: undefined, compact: true };
    const out4 = await s.run(feeds, undefined, compactFew);
    assert.deepEqual(Object.keys(out4), ['output1']);
    assert.deepEqual(out4.output1.data, out.output1.data);
    assert.deepEqual(compactFew.kept, { output0: out.output0.dims });
    const compactWrong: AfterRun = { detections: { ...detections, det: 'no-such-output' }, compact: true };
    const out5 = await s.run(feeds, undefined, compactWrong);
    assert.deepEqual(Object.keys(out5).sort(), ['output0', 'output1']);
    assert.equal(compactWrong.kept, undefined);
    // Not asked: nothing done. Outputs that are not a segmentation model's: nothing, no error (the
    // decode, on the calling thread, reports the problem).
    const none: AfterRun = {};
    await s.run(feeds, undefined, none);
    assert.equal(none.candidates, undefined);
    const wrong: AfterRun = { detections: { ...detections, det: 'no-such-output' } };
    await s.run(feeds, undefined, wrong);
    assert.equal(wrong.candidates, undefined);
    const swapped: AfterRun = { detections: { ...detections, det: 'output1', proto: 'output0' } };
    await s.run(feeds, undefined, swapped);
    assert.equal(swapped.candidates, undefined);
  } finally {
    await s.dispose();
  }
});
