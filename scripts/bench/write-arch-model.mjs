#!/usr/bin/env node
// Writes an architecture-equivalent YOLOv8-seg / FastSAM graph (benchmark asset, random weights).
// Usage: node scripts/bench/write-arch-model.mjs SCALE IMGSZ NUM_CLASSES OUT.onnx
//   SCALE: n | s | m | l | x (Ultralytics yolov8-seg scales; FastSAM-s = s, FastSAM-x = x)
// Also writes OUT.onnx.json: {parameterCount, outputs, convs} for scripts/bench/check_arch.py.
import { writeFileSync } from 'node:fs';
import { buildArchModel, YOLOV8_SCALES } from '../../lib/engine/testing/arch-model.js';

const [scale, imgsz, nc, out] = process.argv.slice(2);
if (!out || !(scale in YOLOV8_SCALES)) {
  console.error('usage: write-arch-model.mjs n|s|m|l|x IMGSZ NUM_CLASSES OUT.onnx');
  process.exit(2);
}
const m = buildArchModel(YOLOV8_SCALES[scale], { imgsz: Number(imgsz), numClasses: Number(nc) });
writeFileSync(out, m.bytes);
writeFileSync(`${out}.json`, JSON.stringify({ parameterCount: m.parameterCount, outputs: m.outputs, convs: m.convs }));
console.log(`${out}: ${m.parameterCount} parameters, ${m.bytes.length} bytes`);
