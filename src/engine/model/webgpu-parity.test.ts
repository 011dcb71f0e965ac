/**
 * The GPU path: webgpu (bundled in onnxruntime-node on Linux x64, Dawn over Vulkan) gives the same
 * outputs as cpu. On machines without a GPU it runs on SwiftShader, the CPU Vulkan driver of Debian's
 * chromium package (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json, set by scripts/test.sh
 * and here), ~500× slower than cpu: so a tiny fixture model only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { openSession } from './session.js';
import { loadSegModel, segmentImage } from './segmodel.js';
import { buildFixtureSegModel, squaresImage } from '../testing/fixture-seg-model.js';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;
if (!process.env.XDG_RUNTIME_DIR) {
  process.env.XDG_RUNTIME_DIR = '/tmp/fsg-xdg';
  mkdirSync(process.env.XDG_RUNTIME_DIR, { recursive: true });
}

test('webgpu and cpu give the same outputs on a 64×64 FastSAM-contract fixture (strict webgpu!)', async () => {
  assert.ok(process.env.VK_ICD_FILENAMES && existsSync(process.env.VK_ICD_FILENAMES),
    `no Vulkan driver for webgpu: install chromium (SwiftShader ICD at ${ICD}) and libvulkan1 (scripts/setup-system.sh)`);
  const bytes = buildFixtureSegModel({ size: [64, 64] });
  const cpu = await openSession(bytes, { device: 'cpu' });
  const gpu = await openSession(bytes, { device: 'webgpu!' });
  assert.equal(gpu.device, 'webgpu');
  // a deterministic non-trivial input: a red square plus a smooth gradient
  const img = squaresImage(64, 64, [[4, 4, 56]]);
  const x = new Float32Array(3 * 64 * 64);
  for (let i = 0; i < 64 * 64; i += 1) for (let c = 0; c < 3; c += 1) x[c * 4096 + i] = img.data[i * 3 + c] / 255 * 0.9 + (i % 64) / 640;
  const feeds = { images: { data: x, dims: [1, 3, 64, 64] } };
  const a = await cpu.run(feeds);
  const b = await gpu.run(feeds);
  for (const k of ['output0', 'output1']) {
    assert.deepEqual(b[k].dims, a[k].dims);
    let max = 0;
    const da = a[k].data as Float32Array;
    const db = b[k].data as Float32Array;
    for (let i = 0; i < da.length; i += 1) max = Math.max(max, Math.abs(da[i] - db[i]));
    assert.ok(max < 1e-4, `${k}: max |cpu − webgpu| = ${max}`);
  }
  await cpu.dispose();
  await gpu.dispose();

  // the whole segment path on webgpu: same detections as on cpu
  const mc = await loadSegModel(bytes, { device: 'cpu' });
  const mg = await loadSegModel(bytes, { device: 'webgpu!' });
  const rc = await segmentImage(mc, squaresImage(64, 64, [[8, 8, 56]]), { conf: 0.25 });
  const rg = await segmentImage(mg, squaresImage(64, 64, [[8, 8, 56]]), { conf: 0.25 });
  assert.equal(rg.model.device, 'webgpu');
  assert.deepEqual(rc.detections.map((d) => d.box), [[8, 8, 64, 64]]);
  assert.deepEqual(rg.detections.map((d) => [d.box, d.area, Array.from(d.mask.data)]), rc.detections.map((d) => [d.box, d.area, Array.from(d.mask.data)]));
  await mc.dispose();
  await mg.dispose();
});
