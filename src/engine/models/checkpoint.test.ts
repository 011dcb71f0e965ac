// The checkpoint reader on hand-made torch.save-layout files (testing/torch-zip.ts writes the pickle
// opcodes Python's pickler writes). Outside references: IEEE 754 half values computed by hand; the
// layout itself is checked against PyTorch's own torch.save by the convert stage
// (src/engine/models/reference/convert_check.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { halfToFloat, isTensor, pyClass, readCheckpoint } from './checkpoint.js';
import type { Tensor } from './checkpoint.js';
import { inspectCheckpoint } from './convert.js';
import { torchZip } from '../testing/torch-zip.js';

const u16 = (...v: number[]) => Buffer.from(Uint16Array.from(v).buffer);
const f32 = (...v: number[]) => Buffer.from(Float32Array.from(v).buffer);

test('halfToFloat decodes IEEE half exactly (normal, subnormal, max, infinities, NaN)', () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x3555), 0.333251953125); // 1 + 341/1024, × 2^-2
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x03ff), 1023 * 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.equal(halfToFloat(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.ok(Object.is(halfToFloat(0x8000), -0));
});

test('readCheckpoint: dicts, OrderedDicts, unknown classes as plain objects, fp16 / fp32 / int64 tensors, offsets and strides', () => {
  const root = {
    dict: [
      ['version', '8.0.120'],
      ['epoch', -1],
      ['model', {
        object: { module: 'ultralytics.nn.modules.conv', name: 'Conv' },
        state: [
          ['training', false],
          ['_parameters', { dict: [['weight', { tensor: { storage: 'HalfStorage', key: '0', shape: [2, 2], numel: 4 } }]], ordered: true }],
          ['_buffers', { dict: [
            ['t', { tensor: { storage: 'FloatStorage', key: '1', shape: [2, 3], stride: [1, 2], numel: 6 } }],
            ['n', { tensor: { storage: 'LongStorage', key: '2', shape: [], numel: 1 } }],
            ['o', { tensor: { storage: 'FloatStorage', key: '1', offset: 4, shape: [2], numel: 6 } }],
          ], ordered: true }],
          ['f', [-1, 6]],
        ],
      }],
    ],
  } as const;
  const ckpt = readCheckpoint(torchZip(root as never, {
    0: u16(0x3c00, 0xc000, 0x3555, 0x0001),
    1: f32(0, 1, 2, 3, 4, 5),
    2: Buffer.from(BigInt64Array.from([7n]).buffer),
  })) as Record<string, any>;
  assert.equal(ckpt.version, '8.0.120');
  assert.equal(ckpt.epoch, -1);
  const m = ckpt.model;
  assert.equal(pyClass(m), 'ultralytics.nn.modules.conv.Conv');
  assert.deepEqual(m.f, [-1, 6]);
  const w = m._parameters.weight as Tensor;
  assert.ok(isTensor(w));
  assert.deepEqual([w.dtype, w.shape, Array.from(w.data as Float32Array)], ['float16', [2, 2], [1, -2, 0.333251953125, 2 ** -24]]);
  // A transposed view (stride [1, 2]) of storage 0..5: rows [0, 2, 4], [1, 3, 5].
  const t = m._buffers.t as Tensor;
  assert.deepEqual(Array.from(t.data as Float32Array), [0, 2, 4, 1, 3, 5]);
  assert.deepEqual(Array.from(m._buffers.o.data as Float32Array), [4, 5]); // offset 4, shared storage
  assert.deepEqual([m._buffers.n.dtype, Array.from(m._buffers.n.data as BigInt64Array)], ['int64', [7n]]);
});

test('clear BAD_MODEL errors: not a zip, a missing storage, a model that is not a SegmentationModel, a bare state_dict', () => {
  assert.throws(() => readCheckpoint(Buffer.from('definitely not a checkpoint')), (e: any) => e.code === 'BAD_MODEL' && /not a zip file/.test(e.message));
  const noStorage = torchZip({ tensor: { storage: 'HalfStorage', key: '9', shape: [1], numel: 1 } }, {});
  assert.throws(() => readCheckpoint(noStorage), (e: any) => e.code === 'BAD_MODEL' && /storage 9 is missing/.test(e.message));
  const det = torchZip({ dict: [['model', { object: { module: 'ultralytics.nn.tasks', name: 'DetectionModel' }, state: [] }]] }, {});
  assert.throws(() => inspectCheckpoint(readCheckpoint(det)), (e: any) => e.code === 'BAD_MODEL'
    && /the model is a ultralytics\.nn\.tasks\.DetectionModel, expected ultralytics\.nn\.tasks\.SegmentationModel/.test(e.message));
  const bare = torchZip({ dict: [['model.0.conv.weight', null]] }, {});
  assert.throws(() => inspectCheckpoint(readCheckpoint(bare)), (e: any) => e.code === 'BAD_MODEL' && /no 'model' or 'ema'/.test(e.message));
});
