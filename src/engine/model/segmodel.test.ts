import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../onnx/builder.js';
import { buildFixtureSegModel, squaresImage } from '../testing/fixture-seg-model.js';
import type { CroppedMask, Detection, RawImage } from '../types.js';
import { loadSegModel, segmentImage } from './segmodel.js';
import { sharedData } from '../testing/shared-data.js';
import { readImage } from '../image/io.js';

/** IoU of a cropped mask with an axis-aligned square [x, y, side] clipped to the image. */
function iouWithSquare(m: CroppedMask, [sx, sy, side]: [number, number, number], W: number, H: number): number {
  const x0 = Math.max(0, sx); const y0 = Math.max(0, sy);
  const x1 = Math.min(W, sx + side); const y1 = Math.min(H, sy + side);
  let inter = 0; let area = 0;
  for (let y = 0; y < m.height; y += 1) {
    for (let x = 0; x < m.width; x += 1) {
      if (!m.data[y * m.width + x]) continue;
      area += 1;
      const X = m.x + x; const Y = m.y + y;
      if (X >= x0 && X < x1 && Y >= y0 && Y < y1) inter += 1;
    }
  }
  const sq = (x1 - x0) * (y1 - y0);
  return inter / (area + sq - inter);
}

const SQUARES: [number, number, number][] = [[16, 16, 56], [0, 96, 112], [192, 192, 224]];

function byX(d: Detection[]): Detection[] {
  return [...d].sort((a, b) => a.box[0] - b.box[0] || a.box[1] - b.box[1]);
}

test('fixture: three squares (56/112/224) give exactly their boxes, level scores and masks (IoU > 0.99)', async () => {
  const model = await loadSegModel(buildFixtureSegModel({ size: [416, 416] }), { name: 'fixture' });
  assert.deepEqual(model.fixedSize, [416, 416]);
  assert.equal(model.numClasses, 1);
  // corners on multiples of the stride; each square's ring of cells (one cell wide) free of red.
  // The 112-square touches the left edge, the 224-square the right and bottom edges.
  const r = await segmentImage(model, squaresImage(416, 416, SQUARES), { conf: 0.25, iou: 0.7 });
  assert.equal(r.detections.length, 3);
  const d = byX(r.detections);
  assert.deepEqual(d.map((x) => x.box), [[0, 96, 112, 208], [16, 16, 72, 72], [192, 192, 416, 416]]);
  assert.deepEqual(d.map((x) => +x.score.toFixed(4)), [0.8, 0.9, 0.7]);
  assert.deepEqual(d.map((x) => x.classId), [0, 0, 0]);
  const expect = [SQUARES[1], SQUARES[0], SQUARES[2]];
  d.forEach((det, i) => assert.ok(iouWithSquare(det.mask, expect[i], 416, 416) > 0.99, `mask ${i}`));
  // exact edges: the middle row and column of each mask span the whole box
  for (const det of d) {
    const m = det.mask;
    const mid = Math.floor(m.height / 2);
    assert.equal(m.data.subarray(mid * m.width, (mid + 1) * m.width).reduce((a, b) => a + b, 0), m.width);
    assert.deepEqual([m.x, m.y, m.width, m.height], [det.box[0], det.box[1], det.box[2] - det.box[0], det.box[3] - det.box[1]]);
  }
  // only the rounded-off corner pixels are missing (one per corner not on an image border)
  assert.deepEqual(d.map((x) => x.area), [112 * 112 - 2, 56 * 56 - 4, 224 * 224 - 1]);
  assert.deepEqual(Object.keys(r.timings).slice(0, 3), ['preprocess', 'inference', 'postprocess']);
  assert.deepEqual(r.model.inputSize, [416, 416]);
  await model.dispose();
});

test('fixture: non-square image with letterbox padding, objects at every border; dynamic input', async () => {
  const model = await loadSegModel(buildFixtureSegModel(), { name: 'fixture-dynamic' });
  assert.equal(model.fixedSize, null);
  // 320×192 into 320: pad 64 top and bottom (multiples of 32, so squares stay on the grid)
  const squares: [number, number, number][] = [[0, 0, 56], [264, 136, 56], [96, 32, 112]];
  const r = await segmentImage(model, squaresImage(320, 192, squares), { imgsz: 320, conf: 0.25, iou: 0.7 });
  const d = byX(r.detections);
  assert.deepEqual(d.map((x) => x.box), [[0, 0, 56, 56], [96, 32, 208, 144], [264, 136, 320, 192]]);
  const expect = [squares[0], squares[2], squares[1]];
  d.forEach((det, i) => assert.ok(iouWithSquare(det.mask, expect[i], 320, 192) > 0.99));
  assert.deepEqual(r.image, { width: 320, height: 192 });
});

test('fixture: a 640×384 image halved into a 320 model maps boxes back ×2 (exact), tall image pads left/right', async () => {
  const model = await loadSegModel(buildFixtureSegModel(), { name: 'fixture-dynamic' });
  const r = await segmentImage(model, squaresImage(640, 384, [[64, 64, 224]]), { imgsz: 320, conf: 0.25 });
  assert.deepEqual(r.detections.map((x) => x.box), [[64, 64, 288, 288]]);
  assert.ok(iouWithSquare(r.detections[0].mask, [64, 64, 224], 640, 384) > 0.99);
  // 192 wide × 320 tall: pad 64 left/right
  const t = await segmentImage(model, squaresImage(192, 320, [[0, 264, 56], [80, 0, 112]]), { imgsz: 320, conf: 0.25 });
  assert.deepEqual(byX(t.detections).map((x) => x.box), [[0, 264, 56, 320], [80, 0, 192, 112]]);
  await model.dispose();
});

test('fixture: gray and RGBA inputs; conf filters by score; maxDet caps', async () => {
  const model = await loadSegModel(buildFixtureSegModel({ size: [320, 320] }));
  const rgb = squaresImage(320, 320, [[16, 16, 56], [0, 192, 112]]);
  const rgba: RawImage = { ...rgb, channels: 4, data: new Uint8Array(320 * 320 * 4) };
  for (let i = 0; i < 320 * 320; i += 1) { rgba.data.set(rgb.data.subarray(3 * i, 3 * i + 3), 4 * i); rgba.data[4 * i + 3] = 255; }
  const a = await segmentImage(model, rgba, { conf: 0.25 });
  assert.equal(a.detections.length, 2);
  const hi = await segmentImage(model, rgb, { conf: 0.85 });
  assert.deepEqual(hi.detections.map((x) => x.box), [[16, 16, 72, 72]]);
  const one = await segmentImage(model, rgb, { conf: 0.25, maxDet: 1 });
  assert.equal(one.detections.length, 1);
  assert.equal(one.detections[0].score.toFixed(2), '0.90');
  const gray: RawImage = { data: new Uint8Array(320 * 320).fill(90), width: 320, height: 320, channels: 1 };
  assert.equal((await segmentImage(model, gray, { conf: 0.25 })).detections.length, 0); // no red in gray
  await assert.rejects(segmentImage(model, rgb, { conf: 2 }), (e: any) => e.code === 'BAD_INPUT' && /conf: got 2/.test(e.message));
  await assert.rejects(segmentImage(model, rgb, { imgsz: 640 }), (e: any) => e.code === 'BAD_INPUT' && /fixed input size/.test(e.message));
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(segmentImage(model, rgb, { signal: ac.signal }), (e: any) => e.code === 'ABORTED');
  await model.dispose();
});

test('fixture: N-class layout ([1, 4+3+32, N]) reports classes per level', async () => {
  const model = await loadSegModel(buildFixtureSegModel({ size: [416, 416], numClasses: 3 }));
  assert.equal(model.numClasses, 3);
  assert.deepEqual(model.classNames, ['square0', 'square1', 'square2']);
  const r = await segmentImage(model, squaresImage(416, 416, SQUARES), { conf: 0.25 });
  assert.deepEqual(byX(r.detections).map((x) => x.classId), [1, 0, 2]);
  assert.equal(r.model.numClasses, 3);
  await model.dispose();
});

test('a model with the wrong outputs is BAD_MODEL naming what it got and what was expected', async () => {
  const g = new GraphBuilder('cls');
  const x = g.input('images', [1, 3, 64, 64]);
  const y = g.rename(g.op('GlobalAveragePool', [x]), 'logits');
  g.output(y, [1, 3, 1, 1]);
  await assert.rejects(loadSegModel(g.toBytes()), (e: any) => e.code === 'BAD_MODEL'
    && /got logits \[1, 3, 1, 1\], expected output0 \[1, 4\+C\+32, N\]/.test(e.message));
});

test('the prototypes laid out by the model worker (after-run.ts) give the masks the decode makes itself', async () => {
  // The same model on this thread (its session leaves the layout to the decode) and in a worker thread
  // (where the worker lays the prototypes out).
  const file = sharedData('models/yolov8n-seg_int8.onnx');
  const here = await loadSegModel(file, { intraOpThreads: 1, worker: false });
  const there = await loadSegModel(file, { intraOpThreads: 1 });
  try {
    const image = await readImage(sharedData('images/bus.jpg'));
    const mine = await segmentImage(here, image, { conf: 0.05, imgsz: 320 });
    const want = mine.detections;
    assert.ok(want.length >= 8, `${want.length} detections`);
    assert.equal(mine.timings.afterRun, 0);
    for (let i = 0; i < 3; i++) {
      const r = await segmentImage(there, image, { conf: 0.05, imgsz: 320 });
      assert.deepEqual(r.detections, want, `run ${i + 1}`);
      // The worker's share of the decode is counted as decode (postprocess), not as inference.
      assert.ok(r.timings.afterRun > 0 && r.timings.postprocess >= r.timings.afterRun, JSON.stringify(r.timings));
    }
  } finally {
    await here.dispose();
    await there.dispose();
  }
});
