/**
 * The GPU section: the floor / end-to-end figures through the webgpu device (Dawn over Vulkan) and
 * cuda where onnxruntime-node's CUDA binaries are installed, only when a real GPU is present. Here
 * the webgpu device would run on SwiftShader (a CPU Vulkan emulation, ~500× slower than the cpu EP):
 * timing FastSAM-x on it would take hours and mean nothing, so the section then says "no GPU present".
 * Override the detection with FASTSAM_GEO_BENCH_GPU=1 (force) or 0 (skip).
 */
import { existsSync, readdirSync } from 'node:fs';
import { EngineError } from '../errors.js';
import type { FastSamArch } from '../testing/arch-model.js';
import type { Figure } from './figures.js';
import { benchModelPath } from './model-path.js';
import type { ModelPathOptions } from './model-path.js';

export interface GpuPresence {
  present: boolean;
  reason: string;
}

export interface GpuProbe {
  env: Record<string, string | undefined>;
  /** Names in /dev. */
  dev: string[];
}

function probe(): GpuProbe {
  let dev: string[] = [];
  try { dev = readdirSync('/dev'); } catch { /* not Linux */ }
  return { env: process.env, dev };
}

/** Decides whether a real GPU is present (pure: give it a probe to test it). */
export function detectGpu(p: GpuProbe = probe()): GpuPresence {
  const force = p.env.FASTSAM_GEO_BENCH_GPU;
  if (force === '0') return { present: false, reason: 'GPU section skipped (FASTSAM_GEO_BENCH_GPU=0)' };
  if (force === '1') return { present: true, reason: 'GPU assumed present (FASTSAM_GEO_BENCH_GPU=1)' };
  const icd = p.env.VK_ICD_FILENAMES ?? p.env.VK_DRIVER_FILES ?? '';
  if (/swiftshader|lvp_icd|lavapipe/i.test(icd)) {
    return { present: false, reason: `no GPU present: Vulkan is a CPU emulation (${icd}); webgpu there is ~500× slower than cpu, not timed` };
  }
  if (!p.dev.some((d) => /^nvidia\d+$/.test(d))) {
    return { present: false, reason: 'no GPU present (no /dev/nvidia*): GPU figures not measured' };
  }
  return { present: true, reason: 'NVIDIA GPU present (/dev/nvidia*)' };
}

export const GPU_X_1024_TARGET_MS = 25;

export interface GpuBenchOptions extends ModelPathOptions {
  models?: FastSamArch[];
  sizes?: number[];
  devices?: string[];
  presence?: GpuPresence;
}

export async function benchGpu(options: GpuBenchOptions = {}): Promise<{ figures: Figure[]; notes: string[] }> {
  const presence = options.presence ?? detectGpu();
  const sec = 'GPU';
  if (!presence.present) {
    return {
      figures: [{ key: 'gpu.present', section: sec, label: 'GPU present', value: 0, unit: 'count', note: presence.reason }],
      notes: [presence.reason],
    };
  }
  const figures: Figure[] = [{ key: 'gpu.present', section: sec, label: 'GPU present', value: 1, unit: 'count', note: presence.reason }];
  const notes: string[] = [presence.reason];
  for (const device of options.devices ?? ['webgpu', 'cuda']) {
    for (const arch of options.models ?? ['s', 'x']) {
      for (const imgsz of options.sizes ?? [640, 1024]) {
        try {
          const f = await benchModelPath(arch, imgsz, { ...options, device });
          for (const x of f) {
            if (x.key === `floor.${device}.x.1024`) x.target = { max: GPU_X_1024_TARGET_MS };
            figures.push(x);
          }
        } catch (err) {
          if (!(err instanceof EngineError) || err.code !== 'DEVICE_UNAVAILABLE') throw err;
          const why = `${device} unavailable: ${err.message}`;
          figures.push({ key: `floor.${device}.${arch}.${imgsz}`, section: `Model floor vs end to end (${device})`, label: `FastSAM-${arch} eq. @${imgsz}: bare session.run`, value: null, unit: 'ms', note: why });
          notes.push(why);
          break;
        }
      }
    }
  }
  return { figures, notes };
}
