import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtureSegModel, squaresImage } from '../testing/fixture-seg-model.js';
import { encodePng } from '../image/io.js';
import { decodeCocoRle } from '../export/rle.js';
import { GraphBuilder } from '../onnx/builder.js';
import { sharedData } from '../testing/shared-data.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir('fsg-segment-cli-');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'segment', ...args], { encoding: 'utf8', env: { ...process.env, FASTSAM_GEO_MODELS: path.join(dir, 'models'), FASTSAM_GEO_FASTSAM_URL: 'http://127.0.0.1:1' } });

const fixture = path.join(dir, 'fixture.onnx');
writeFileSync(fixture, buildFixtureSegModel());
const squares = path.join(dir, 'squares.png');

test('segment writes the documented JSON (boxes in image pixels, COCO RLE masks) and an overlay PNG', async () => {
  writeFileSync(squares, await encodePng(squaresImage(320, 192, [[0, 0, 56], [96, 32, 112]])));
  const out = path.join(dir, 'r.json');
  const overlay = path.join(dir, 'o.png');
  const r = run(squares, '--model', fixture, '--imgsz', '320', '--conf', '0.25', '--out', out, '--overlay', overlay);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /2 detections in squares\.png \(320×192\) on cpu/);
  const j = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(Object.keys(j), ['image', 'model', 'params', 'timings', 'detections']);
  assert.deepEqual([j.image.width, j.image.height], [320, 192]);
  assert.deepEqual(j.model.inputSize, [320, 320]);
  assert.equal(j.model.numClasses, 1);
  assert.ok(j.timings.preprocess >= 0 && j.timings.inference > 0 && j.timings.postprocess >= 0);
  const boxes = j.detections.map((d: any) => d.box).sort((a: number[], b: number[]) => a[0] - b[0]);
  assert.deepEqual(boxes, [[0, 0, 56, 56], [96, 32, 208, 144]]);
  for (const d of j.detections) {
    assert.deepEqual(d.mask.size, [192, 320]);
    assert.equal(typeof d.mask.counts, 'string');
    const bits = decodeCocoRle(d.mask);
    assert.equal(bits.reduce((a: number, b: number) => a + b, 0), d.area);
    assert.equal(d.class, 0);
  }
  assert.ok(readFileSync(overlay).subarray(1, 4).toString() === 'PNG');
  // plain RLE lists on request
  const plain = path.join(dir, 'plain.json');
  assert.equal(run(squares, '--model', fixture, '--imgsz', '320', '--rle', 'plain', '--out', plain, '-q').status, 0);
  assert.ok(Array.isArray(JSON.parse(readFileSync(plain, 'utf8')).detections[0].mask.counts));
});

test('segment on the real YOLOv8n-seg export finds a bus and 3 people in bus.jpg', () => {
  const out = path.join(dir, 'bus.json');
  const r = run(sharedData('images/bus.jpg'), '--model', sharedData('models/yolov8n-seg_int8.onnx'), '--imgsz', '320', '--conf', '0.25', '--iou', '0.7', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(j.detections.map((d: any) => d.className).sort(), ['bus', 'person', 'person', 'person']);
});

function assertFailsCleanly(r: ReturnType<typeof run>, pattern: RegExp, out: string): void {
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/); // a message, not a stack trace
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(path.dirname(out)).filter((f) => f.includes('.tmp')), []);
}

test('bad input: not an image, not ONNX, wrong outputs, unknown device, missing default model → clear error, non-zero, nothing written', () => {
  const bad = mkdtempSync(path.join(dir, 'bad-'));
  const out = path.join(bad, 'r.json');
  const text = path.join(bad, 'notes.jpg');
  writeFileSync(text, 'not an image');
  assertFailsCleanly(run(text, '--model', fixture, '--out', out), /notes\.jpg is not a readable image/, out);

  const notOnnx = path.join(bad, 'model.onnx');
  writeFileSync(notOnnx, 'definitely not protobuf');
  assertFailsCleanly(run(squares, '--model', notOnnx, '--out', out), /model\.onnx is not an ONNX model/, out);

  const g = new GraphBuilder('cls');
  const x = g.input('images', [1, 3, 64, 64]);
  g.output(g.rename(g.op('GlobalAveragePool', [x]), 'logits'), [1, 3, 1, 1]);
  const wrong = path.join(bad, 'classifier.onnx');
  writeFileSync(wrong, g.toBytes());
  assertFailsCleanly(run(squares, '--model', wrong, '--out', out), /classifier\.onnx has the wrong outputs: got logits \[1, 3, 1, 1\], expected output0/, out);

  assertFailsCleanly(run(squares, '--model', fixture, '--device', 'gpu0', '--out', out), /unknown device 'gpu0'/, out);
  assertFailsCleanly(run(squares, '--model', fixture, '--device', 'cuda!', '--out', out), /device 'cuda' is unavailable/, out);
  assertFailsCleanly(run(squares, '--out', out), /model FastSAM-s is missing: expected .*FastSAM-s\.onnx.*--model PATH/, out);
  assertFailsCleanly(run(squares, '--model', fixture, '--conf', 'high', '--out', out), /--conf: got 'high', expected a number/, out);
  assertFailsCleanly(run(path.join(bad, 'nope.png'), '--model', fixture, '--out', out), /image file not found/, out);
});
