// Converts an Ultralytics .pt with the engine (lib/engine/models/convert.js), runs the ONNX in
// onnxruntime-node on a raw float32 input, and writes output0.bin / output1.bin + outputs.json.
// Used by src/engine/models/reference/convert_check.py. Usage:
//   node scripts/convert/run-converted.mjs CKPT.pt IMGSZ INPUT.bin OUTDIR
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { convertCheckpointFile } from '../../lib/engine/models/convert.js';
import { openSession } from '../../lib/engine/model/session.js';
import { readOnnxMetadata } from '../../lib/engine/model/onnx-metadata.js';

const [ckpt, imgszArg, input, outDir] = process.argv.slice(2);
if (!outDir) { console.error('usage: run-converted.mjs CKPT.pt IMGSZ INPUT.bin OUTDIR'); process.exit(2); }
const imgsz = Number(imgszArg);
const onnx = path.join(outDir, 'model.onnx');
const r = await convertCheckpointFile(ckpt, onnx, { imgsz });
const bytes = readFileSync(onnx);
const s = await openSession(bytes, { intraOpThreads: 2 });
const raw = readFileSync(input);
const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const out = await s.run({ images: { data, dims: [1, 3, imgsz, imgsz] } });
for (const k of ['output0', 'output1']) {
  const d = out[k].data;
  writeFileSync(path.join(outDir, `${k}.bin`), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
}
writeFileSync(path.join(outDir, 'outputs.json'), JSON.stringify({
  output0: out.output0.dims, output1: out.output1.dims, inputs: s.inputs, outputs: s.outputs,
  metadata: readOnnxMetadata(bytes), parameterCount: r.parameterCount, info: { ...r.info, scale: undefined },
}));
await s.dispose();
