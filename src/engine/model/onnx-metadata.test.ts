import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { GraphBuilder } from '../onnx/builder.js';
import { parseUltralyticsImgsz, parseUltralyticsNames, readOnnxMetadata, readOnnxMetadataFromFile } from './onnx-metadata.js';
import { tmpDir } from '../testing/raster-fixtures.js';
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

test('readOnnxMetadataFromFile (positioned reads, graph skipped) gives what readOnnxMetadata gives on the whole bytes; null when the file is not one', () => {
  const dir = tmpDir();
  const g = new GraphBuilder('m');
  const x = g.input('x', [1]);
  g.output(g.rename(g.op('Relu', [x]), 'y'), [1]);
  const made = path.join(dir, 'made.onnx');
  const bytes = g.toBytes({ metadata: { imgsz: '[512, 512]', names: "{0: 'object'}", 'ünï': 'çödé' } });
  writeFileSync(made, bytes);
  assert.deepEqual(readOnnxMetadataFromFile(made), readOnnxMetadata(bytes));
  const real = sharedData('models/yolov8n-seg_int8.onnx');
  assert.deepEqual(readOnnxMetadataFromFile(real), readOnnxMetadata(readFileSync(real)));
  const cut = path.join(dir, 'cut.onnx');
  writeFileSync(cut, readFileSync(real).subarray(0, 5000));
  assert.equal(readOnnxMetadataFromFile(cut), null, 'truncated inside the graph');
  const empty = path.join(dir, 'empty.onnx');
  writeFileSync(empty, new Uint8Array(0));
  assert.deepEqual(readOnnxMetadataFromFile(empty), {});
  assert.equal(readOnnxMetadataFromFile(sharedData('images/bus.jpg')), null);
  assert.equal(readOnnxMetadataFromFile(path.join(dir, 'missing.onnx')), null);
  assert.equal(readOnnxMetadataFromFile(dir), null, 'a directory');
  assert.equal(readOnnxMetadataFromFile('/dev/zero'), null, 'a device');
  const fifo = path.join(dir, 'fifo.onnx');
  execFileSync('mkfifo', [fifo]);
  assert.equal(readOnnxMetadataFromFile(fifo), null, 'a FIFO, at once (no writer)');
});
