/**
 * The engine's decode of a real Ultralytics export (YOLOv8n-seg, int8, 320, 80 classes) against the
 * independent numpy + onnxruntime + OpenCV + pycocotools reference (seg_reference.py, golden JSON
 * beside it; regenerate with `.venv/bin/python src/engine/model/reference/seg_reference.py --write`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, sharedData } from '../../testing/shared-data.js';
import { readImage } from '../../image/io.js';
import { decodeCocoRle, maskToCocoRle } from '../../export/rle.js';
import type { RawImage } from '../../types.js';
import { loadSegModel, segmentImage } from '../segmodel.js';

interface GoldenDet { box: number[]; score: number; class: number; area: number; mask: { size: [number, number]; counts: string } }
interface GoldenCase { name: string; image: string; crop: number[] | null; conf: number; iou: number; width: number; height: number; detections: GoldenDet[] }

const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src/engine/model/reference/seg_reference.golden.json'), 'utf8')) as { model: string; cases: GoldenCase[] };

function crop(img: RawImage, [x, y, w, h]: number[]): RawImage {
  const c = img.channels;
  const data = new Uint8Array(w * h * c);
  for (let r = 0; r < h; r += 1) data.set(img.data.subarray(((y + r) * img.width + x) * c, ((y + r) * img.width + x + w) * c), r * w * c);
  return { data, width: w, height: h, channels: c };
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0; let uni = 0;
  for (let i = 0; i < a.length; i += 1) { if (a[i] && b[i]) inter += 1; if (a[i] || b[i]) uni += 1; }
  return inter / uni;
}

for (const gc of golden.cases) {
  test(`YOLOv8n-seg on ${gc.name} matches the independent Python reference (boxes ±2 px, mask IoU ≥ 0.95)`, async () => {
    const model = await loadSegModel(sharedData(golden.model));
    let img = await readImage(sharedData(gc.image));
    if (gc.crop) img = crop(img, gc.crop);
    assert.deepEqual([img.width, img.height], [gc.width, gc.height]);
    const r = await segmentImage(model, img, { conf: gc.conf, iou: gc.iou });
    await model.dispose();
    const names = model.classNames!;
    assert.deepEqual(r.detections.map((d) => names[d.classId]).sort(), ['bus', 'person', 'person', 'person']);
    assert.equal(r.detections.length, gc.detections.length);
    gc.detections.forEach((g, i) => {
      const d = r.detections[i];
      assert.equal(d.classId, g.class, `${gc.name} #${i} class`);
      assert.ok(Math.abs(d.score - g.score) < 0.02, `${gc.name} #${i} score ${d.score} vs ${g.score}`);
      d.box.forEach((v, k) => assert.ok(Math.abs(v - g.box[k]) <= 2, `${gc.name} #${i} box ${d.box} vs ${g.box}`));
      const ours = decodeCocoRle(maskToCocoRle(d.mask, img.width, img.height));
      const theirs = decodeCocoRle(g.mask);
      const j = iou(ours, theirs);
      assert.ok(j >= 0.95, `${gc.name} #${i} mask IoU ${j.toFixed(4)}`);
      assert.ok(Math.abs(d.area - g.area) / g.area < 0.05, `${gc.name} #${i} area ${d.area} vs ${g.area}`);
    });
  });
}

test('the RLE string of a mask decoded from pycocotools re-encodes to the same string', () => {
  const g = golden.cases[0].detections[0];
  const [h, w] = g.mask.size;
  const full = decodeCocoRle(g.mask);
  assert.equal(maskToCocoRle({ x: 0, y: 0, width: w, height: h, data: full }, w, h).counts, g.mask.counts);
});
