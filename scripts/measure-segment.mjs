#!/usr/bin/env node
// Prints segment timings per stage on bus.jpg (real YOLOv8n-seg export) and the decode cost of ~100
// masks at FastSAM's 1024 input. Figures, not tests. Usage (after npm run build):
//   node scripts/measure-segment.mjs [runs=5]
import { performance } from 'node:perf_hooks';
import { loadSegModel, segmentImage } from '../lib/engine/model/segmodel.js';
import { readImage } from '../lib/engine/image/io.js';
import { decodeDetections } from '../lib/engine/model/decode.js';
import { maskInBox, protoGeometry } from '../lib/engine/model/masks.js';

const runs = Number(process.argv[2] ?? 5);
const shared = new URL('../../shared/data/', import.meta.url).pathname;
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

const model = await loadSegModel(`${shared}models/yolov8n-seg_int8.onnx`, { intraOpThreads: 2 });
const img = await readImage(`${shared}images/bus.jpg`);
for (const [conf, iou] of [[0.25, 0.7], [0.01, 0.7]]) {
  const t = {};
  let n = 0;
  for (let i = 0; i < runs + 1; i += 1) {
    const r = await segmentImage(model, img, { conf, iou });
    n = r.detections.length;
    if (i === 0) continue; // warm-up
    for (const [k, v] of Object.entries(r.timings)) (t[k] ??= []).push(v);
  }
  console.log(`bus.jpg 554×740, yolov8n-seg int8 @320, conf ${conf} iou ${iou}: ${n} detections; median ms over ${runs}: ` +
    Object.entries(t).map(([k, v]) => `${k} ${med(v).toFixed(1)}`).join(', '));
}
await model.dispose();

// Decode at FastSAM's 1024 input: 21504 anchors, 1 class, 32 coefficients, prototypes 256×256,
// image 1024×1024, ~100 detections of assorted sizes (seeded).
let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const N = 21504, nm = 32, rows = 4 + 1 + nm;
const out0 = new Float32Array(rows * N);
for (let a = 0; a < N; a += 1) {
  const w = 20 + rnd() * 300, h = 20 + rnd() * 300;
  out0[a] = w / 2 + rnd() * (1024 - w); out0[N + a] = h / 2 + rnd() * (1024 - h);
  out0[2 * N + a] = w; out0[3 * N + a] = h;
  out0[4 * N + a] = a < 4000 ? 0.4 + 0.6 * rnd() : 0.3 * rnd();
  for (let c = 0; c < nm; c += 1) out0[(5 + c) * N + a] = rnd() * 2 - 1;
}
const protos = Float32Array.from({ length: nm * 256 * 256 }, () => rnd() * 2 - 1);
const tn = [], tm = [];
let count = 0;
for (let i = 0; i < runs + 1; i += 1) {
  const t0 = performance.now();
  const c = decodeDetections(out0, N, { conf: 0.4, iou: 0.3, maxDet: 100, numClasses: 1 });
  const t1 = performance.now();
  const g = protoGeometry(nm, 256, 256, 1024, 1024);
  const coeffs = new Float32Array(nm);
  for (let k = 0; k < c.scores.length; k += 1) {
    for (let j = 0; j < nm; j += 1) coeffs[j] = out0[(5 + j) * N + c.index[k]];
    maskInBox(protos, coeffs, c.boxes.subarray(4 * k, 4 * k + 4), g);
  }
  const t2 = performance.now();
  count = c.scores.length;
  if (i > 0) { tn.push(t1 - t0); tm.push(t2 - t1); }
}
console.log(`decode at 1024 (21504 anchors, 4000 above conf): ${count} detections; median ms: nms ${med(tn).toFixed(1)}, masks ${med(tm).toFixed(1)}`);
