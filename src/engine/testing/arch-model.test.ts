import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildArchModel, calibrateClassBias, calibrationImage, YOLOV8_SCALES } from './arch-model.js';

// Outside references:
// - 3,404,320: the parameters (conv weights + biases, BatchNorm folded) of the real Ultralytics
//   YOLOv8n-seg export in ../shared/data/models/yolov8n-seg_int8.onnx, counted from its initializers
//   with Python's onnx by scripts/bench/check_arch.py, run by scripts/test-stages/arch.sh (which also compares the two graphs conv by conv
//   and runs the s graph in Python's onnxruntime); its outputs are [1,116,2100] and [1,32,80,80] at 320.
// - FastSAM-s = YOLOv8s-seg with 1 class: 11.78M (Ultralytics' fused yolov8s-seg is 11.81M with 80
//   classes; 1 class removes 79 × (128 + 1) × 3 = 30,573). FastSAM-x = YOLOv8x-seg with 1 class: 71.7M
//   (Ultralytics' yolov8x-seg 71.8M with 80 classes minus 79 × (320 + 1) × 3 = 76,077; the FastSAM paper
//   rounds it to 68M).

test('YOLOv8n-seg at 80 classes and 320 has exactly the real Ultralytics export\'s parameter count and output shapes', () => {
  const m = buildArchModel(YOLOV8_SCALES.n, { imgsz: 320, numClasses: 80, encode: false });
  assert.equal(m.parameterCount, 3_404_320);
  assert.deepEqual(m.outputs.output0, [1, 116, 2100]);
  assert.deepEqual(m.outputs.output1, [1, 32, 80, 80]);
  assert.equal(m.convs.length, 77); // 75 Conv + the DFL conv + 1 ConvTranspose, as in the real graph
});

test('FastSAM-s equivalent: 11.78M parameters (within 1%), Ultralytics output layout at 640 and 1024', () => {
  const a = buildArchModel('s', { imgsz: 640, encode: false });
  const b = buildArchModel('s', { imgsz: 1024, encode: false });
  assert.ok(Math.abs(a.parameterCount / 11.78e6 - 1) < 0.01, `got ${a.parameterCount}`);
  assert.equal(a.parameterCount, b.parameterCount); // weights do not depend on the input size
  assert.deepEqual(a.headChannels, [128, 256, 512]);
  assert.deepEqual(a.outputs, { output0: [1, 37, 8400], output1: [1, 32, 160, 160] });
  assert.deepEqual(b.outputs, { output0: [1, 37, 21504], output1: [1, 32, 256, 256] });
});

test('FastSAM-x equivalent: 71.7M parameters (within 1%; the paper says 68M), max channels 512 × 1.25 = 640', () => {
  // Counted without encoding (71.7M float32 = 287 MB of protobuf); not run here: too slow for a unit test.
  const m = buildArchModel('x', { imgsz: 1024, encode: false });
  assert.ok(Math.abs(m.parameterCount / 71.7e6 - 1) < 0.01, `got ${m.parameterCount}`);
  assert.deepEqual(m.headChannels, [320, 640, 640]);
  assert.deepEqual(m.outputs, { output0: [1, 37, 21504], output1: [1, 32, 256, 256] });
  assert.equal(m.bytes.length, 0);
});

test('encoded graphs are deterministic for a seed and differ across seeds', () => {
  const n = YOLOV8_SCALES.n;
  const a = buildArchModel(n, { imgsz: 64 });
  const b = buildArchModel(n, { imgsz: 64 });
  const c = buildArchModel(n, { imgsz: 64, seed: 2 });
  assert.ok(a.bytes.length > 4 * a.parameterCount);
  assert.deepEqual(Buffer.from(a.bytes), Buffer.from(b.bytes));
  assert.notDeepEqual(Buffer.from(a.bytes), Buffer.from(c.bytes));
});

test('calibrateClassBias: hand-computed shift leaves exactly the target number of scores above conf', () => {
  const scores = Float32Array.from([0.9, 0.6, 0.5, 0.1]);
  const shift = calibrateClassBias(scores, { conf: 0.4, target: 2 });
  // logits 2.197, 0.405, 0, -2.197; logit(0.4) = -0.405; shift = -0.405 - (0.405 + 0) / 2 = -0.608
  assert.ok(Math.abs(shift - (Math.log(0.4 / 0.6) - Math.log(1.5) / 2)) < 1e-6); // float32 scores
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  const after = Array.from(scores, (p) => sig(Math.log(p / (1 - p)) + shift));
  assert.equal(after.filter((p) => p > 0.4).length, 2);
  assert.throws(() => calibrateClassBias(scores, { target: 5 }), /got target 5, expected 1\.\.4/);
});

test('bad arguments are named', () => {
  assert.throws(() => buildArchModel('s', { imgsz: 500 }), /got imgsz 500, expected a multiple of 32/);
  assert.throws(() => buildArchModel('q' as 's'), /got arch "q"/);
  assert.throws(() => buildArchModel('s', { numClasses: 0 }), /got numClasses 0/);
});

test('calibrationImage is deterministic RGB with blocks on textured ground', () => {
  const a = calibrationImage(128);
  const b = calibrationImage(128);
  assert.equal(a.data.length, 128 * 128 * 3);
  assert.deepEqual(a.data, b.data);
  const distinct = new Set(a.data).size;
  assert.ok(distinct > 50, `got ${distinct} distinct values`);
});

// Issue 7's proof: the generated graphs load in onnxruntime-node and produce the declared shapes.
// FastSAM-s runs at 640 and 1024 (N = 8400 / 21504 anchors, prototypes at H/4); FastSAM-x (71.7M
// parameters, 287 MB encoded) is encoded and run at 64 px: the same weights, so the same parameter
// count, at a size a unit test can afford (N = 64 + 16 + 4 = 84, prototypes 16×16).
async function loadAndRun(m: ReturnType<typeof buildArchModel>) {
  const { openSession } = await import('../model/session.js');
  const s = await openSession(m.bytes, { intraOpThreads: 2 });
  try {
    const image = new Float32Array(3 * m.imgsz * m.imgsz).fill(0.5);
    const out = await s.run({ images: { data: image, dims: [1, 3, m.imgsz, m.imgsz] } });
    return { inputs: s.inputs, outputs: s.outputs, out };
  } finally {
    await s.dispose();
  }
}

for (const imgsz of [640, 1024]) {
  test(`FastSAM-s equivalent @${imgsz} loads in onnxruntime-node and outputs [1, 37, ${imgsz === 640 ? 8400 : 21504}] and [1, 32, ${imgsz / 4}, ${imgsz / 4}]`, async () => {
    const m = buildArchModel('s', { imgsz, buildingLike: true });
    const { inputs, out } = await loadAndRun(m);
    assert.deepEqual(inputs.map((i) => [i.name, i.dims]), [['images', [1, 3, imgsz, imgsz]]]);
    assert.deepEqual(out.output0.dims, m.outputs.output0);
    assert.deepEqual(out.output1.dims, m.outputs.output1);
    assert.equal(out.output0.dims[2], imgsz === 640 ? 8400 : 21504);
    assert.deepEqual(out.output1.dims, [1, 32, imgsz / 4, imgsz / 4]);
    assert.ok((out.output0.data as Float32Array).every(Number.isFinite), 'output0 has non-finite values');
    assert.ok(Math.abs(m.parameterCount / 11.78e6 - 1) < 0.01, `got ${m.parameterCount}`);
  });
}

test('FastSAM-x equivalent (71.7M parameters) encodes, loads in onnxruntime-node and runs with the Ultralytics layout', async () => {
  const m = buildArchModel('x', { imgsz: 64 });
  assert.ok(Math.abs(m.parameterCount / 71.7e6 - 1) < 0.01, `got ${m.parameterCount}`);
  assert.ok(m.bytes.length > 4 * m.parameterCount, `got ${m.bytes.length} bytes`);
  const { out } = await loadAndRun(m);
  assert.deepEqual(out.output0.dims, [1, 37, 84]);
  assert.deepEqual(out.output1.dims, [1, 32, 16, 16]);
  assert.ok((out.output0.data as Float32Array).every(Number.isFinite), 'output0 has non-finite values');
});

test('buildingLike keeps the graph (parameter count, convs) and gives small boxes and solid prototypes', async () => {
  const plain = buildArchModel('s', { imgsz: 320, encode: false });
  const m = buildArchModel('s', { imgsz: 320, buildingLike: true });
  assert.equal(m.parameterCount, plain.parameterCount);
  assert.deepEqual(m.convs, plain.convs);
  const { out } = await loadAndRun(m);
  const N = out.output0.dims[2];
  const d = out.output0.data as Float32Array;
  // Box widths (row 2) in strides: the DFL bins favour ~2.5 per side, so widths of ~5 strides.
  const strideOf = (a: number) => (a < 1600 ? 8 : a < 2000 ? 16 : 32);
  const widths = Array.from({ length: N }, (_, a) => d[2 * N + a] / strideOf(a)).sort((x, y) => x - y);
  const med = widths[N >> 1];
  assert.ok(med > 3 && med < 7, `median box width ${med} strides`);
  // Prototypes: nearly constant per channel (solid masks within a box).
  const p = out.output1.data as Float32Array;
  const hw = out.output1.dims[2] * out.output1.dims[3];
  let maxSpread = 0;
  for (let c = 0; c < 32; c++) {
    const ch = p.subarray(c * hw, (c + 1) * hw);
    maxSpread = Math.max(maxSpread, Math.max(...ch) - Math.min(...ch));
  }
  assert.ok(maxSpread < 0.1, `prototype spread ${maxSpread}`);
});
