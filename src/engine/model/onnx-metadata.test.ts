import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GraphBuilder } from '../onnx/builder.js';
import { parseUltralyticsImgsz, parseUltralyticsNames, readOnnxMetadata } from './onnx-metadata.js';
import { sharedData } from '../testing/shared-data.js';

test('readOnnxMetadata reads what onnx-proto wrote', () => {
  const g = new GraphBuilder('m');
  const x = g.input('x', [1]);
  g.output(g.rename(g.op('Relu', [x]), 'y'), [1]);
  const meta = readOnnxMetadata(g.toBytes({ metadata: { imgsz: '[640, 640]', names: "{0: 'object'}", 'ünï': 'çödé' } }));
  assert.deepEqual(meta, { imgsz: '[640, 640]', names: "{0: 'object'}", 'ünï': 'çödé' });
});

test('readOnnxMetadata reads the Ultralytics metadata of the real YOLOv8n-seg export', () => {
  const meta = readOnnxMetadata(readFileSync(sharedData('models/yolov8n-seg_int8.onnx')));
  assert.equal(meta.task, 'segment');
  assert.deepEqual(parseUltralyticsImgsz(meta.imgsz), [320, 320]);
  const names = parseUltralyticsNames(meta.names)!;
  assert.equal(names.length, 80);
  assert.equal(names[0], 'person');
  assert.equal(names[5], 'bus');
  assert.equal(names[79], 'toothbrush');
});

test('readOnnxMetadata rejects bytes that are not a ModelProto', () => {
  assert.throws(() => readOnnxMetadata(new TextEncoder().encode('hello world')));
  assert.throws(() => readOnnxMetadata(readFileSync(sharedData('images/bus.jpg'))));
  assert.throws(() => readOnnxMetadata(new Uint8Array(0)));
});

test('parseUltralyticsNames handles quotes and gaps; parseUltralyticsImgsz one or two numbers', () => {
  assert.deepEqual(parseUltralyticsNames(`{0: "it's", 2: 'b'}`), ["it's", '1', 'b']);
  assert.equal(parseUltralyticsNames(undefined), undefined);
  assert.deepEqual(parseUltralyticsImgsz('1024'), [1024, 1024]);
  assert.deepEqual(parseUltralyticsImgsz('[480, 640]'), [480, 640]);
});
