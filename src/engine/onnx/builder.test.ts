import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { GraphBuilder } from './builder.js';

// Checked against onnxruntime directly (this test is the one place besides model/session that loads
// onnxruntime-node, to check the writer independently of the engine's gateway).
test('a written Conv + Sigmoid graph loads in onnxruntime and computes the hand-computed value', async () => {
  const g = new GraphBuilder('t');
  const x = g.input('x', [1, 1, 'h', 'w']);
  const w = g.init('w', Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]);
  const b = g.init('b', Float32Array.from([-10]), [1]);
  const c = g.op('Conv', [x, w, b], { kernel_shape: [2, 2] });
  const y = g.rename(g.op('Sigmoid', [c]), 'y');
  g.output(y, [1, 1, 'h1', 'w1']);
  assert.equal(g.parameterCount, 5);
  const s = await ort.InferenceSession.create(g.toBytes({ metadata: { imgsz: '[2, 2]' } }));
  const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 1, 1, 1]), [1, 1, 2, 2]) });
  assert.deepEqual(out.y.dims, [1, 1, 1, 1]);
  assert.ok(Math.abs((out.y.data as Float32Array)[0] - 1 / (1 + Math.exp(0))) < 1e-6); // 1+2+3+4-10 = 0
  await s.release();
});
