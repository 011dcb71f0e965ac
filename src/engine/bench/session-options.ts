/**
 * Session options explored on one architecture-equivalent model (default FastSAM-s eq. @640):
 * intra-op threads 1 vs N, graph optimization 'basic' vs 'all', and fp32 vs a dynamic int8 variant
 * (onnxruntime.quantization.quantize_dynamic from the project's Python venv: bench only). All four
 * sessions run the same preprocessed input interleaved run by run. For int8 the agreement with fp32 is
 * measured on the same input through segmentImage: detections matched by box IoU, then the IoU of
 * their masks. The weights are random (calibrated class bias), so this measures how faithfully int8
 * reproduces the fp32 function, not segmentation quality.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { loadSegModel, segmentImage } from '../model/segmodel.js';
import type { SegModel } from '../model/segmodel.js';
import { REPO_ROOT } from '../testing/shared-data.js';
import type { FastSamArch } from '../testing/arch-model.js';
import type { CroppedMask, Detection } from '../types.js';
import { archModel, benchImage } from './arch-models.js';
import type { Figure } from './figures.js';
import { bareRun } from './floor.js';
import { sideBySide } from './measure.js';
import { countPixels, maskIoU as pixelIoU } from '../prompts/morphology.js';

/** The project's venv python (scripts/setup-python.sh), or $FASTSAM_GEO_PYTHON. */
export function benchPython(): string {
  const p = process.env.FASTSAM_GEO_PYTHON ?? path.join(REPO_ROOT, '.venv', 'bin', 'python');
  if (!existsSync(p)) throw new EngineError('NOT_FOUND', `python for quantization: ${p} is missing (run \`bash scripts/setup-python.sh\`, or set FASTSAM_GEO_PYTHON)`);
  return p;
}

/** Writes (once) the dynamic int8 variant beside the fp32 file. */
export function quantizedFile(fp32: string, onWrite?: () => void): string {
  const out = fp32.replace(/\.onnx$/, '.int8-dynamic.onnx');
  if (existsSync(out)) return out;
  onWrite?.();
  const tmp = `${out}.${process.pid}.tmp.onnx`;
  const r = spawnSync(benchPython(), [path.join(REPO_ROOT, 'scripts', 'bench', 'quantize_dynamic.py'), fp32, tmp], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new EngineError('INTERNAL', `quantize_dynamic failed: ${r.error?.message ?? r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  renameSync(tmp, out);
  return out;
}

function boxIoU(a: number[], b: number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const i = iw * ih;
  const u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i;
  return u > 0 ? i / u : 0;
}

/** IoU of two cropped masks in the same image frame; two empty masks agree (1). */
export function maskIoU(a: CroppedMask, b: CroppedMask): number {
  return countPixels(a) + countPixels(b) === 0 ? 1 : pixelIoU(a, b);
}

export interface Agreement {
  reference: number;
  other: number;
  /** Reference detections with a match (box IoU ≥ 0.5, greedy by score). */
  matched: number;
  medianMaskIoU: number;
}

/** Greedy matching of detections by box IoU ≥ 0.5, then the median mask IoU of the matches. */
export function maskAgreement(reference: Detection[], other: Detection[]): Agreement {
  const used = new Uint8Array(other.length);
  const ious: number[] = [];
  for (const d of reference) {
    let best = -1;
    let bestIoU = 0.5;
    other.forEach((o, j) => {
      if (used[j]) return;
      const v = boxIoU(d.box, o.box);
      if (v >= bestIoU) { bestIoU = v; best = j; }
    });
    if (best < 0) continue;
    used[best] = 1;
    ious.push(maskIoU(d.mask, other[best].mask));
  }
  ious.sort((a, b) => a - b);
  return { reference: reference.length, other: other.length, matched: ious.length, medianMaskIoU: ious.length ? ious[ious.length >> 1] : NaN };
}

export interface SessionOptionsBenchOptions {
  arch?: FastSamArch;
  imgsz?: number;
  /** The thread count compared with 1 (default 2). */
  threads?: number;
  warmup?: number;
  runs?: number;
  cacheDir?: string;
  onLog?: (m: string) => void;
}

export async function benchSessionOptions(options: SessionOptionsBenchOptions = {}): Promise<Figure[]> {
  const arch = options.arch ?? 's';
  const imgsz = options.imgsz ?? 640;
  const T = options.threads ?? 2;
  const m = await archModel(arch, imgsz, { cacheDir: options.cacheDir, intraOpThreads: T, onLog: options.onLog });
  const int8 = quantizedFile(m.file, () => options.onLog?.(`quantizing FastSAM-${arch} eq. @${imgsz} (dynamic int8, once)`));
  const image = benchImage(imgsz);
  const models: Record<string, SegModel> = {};
  try {
    models.t1 = await loadSegModel(m.file, { intraOpThreads: 1 });
    models.tN = await loadSegModel(m.file, { intraOpThreads: T });
    models.basic = await loadSegModel(m.file, { intraOpThreads: T, graphOptimization: 'basic' });
    models.int8 = await loadSegModel(int8, { intraOpThreads: T });
    options.onLog?.(`session options on FastSAM-${arch} eq. @${imgsz}: ${options.runs ?? 5} interleaved runs each`);
    const t = await sideBySide({
      t1: bareRun(models.t1, image, imgsz),
      tN: bareRun(models.tN, image, imgsz),
      basic: bareRun(models.basic, image, imgsz),
      int8: bareRun(models.int8, image, imgsz),
    }, { warmup: options.warmup ?? 1, runs: options.runs ?? 5 });
    const a = await segmentImage(models.tN, image, { imgsz });
    const b = await segmentImage(models.int8, image, { imgsz });
    const agree = maskAgreement(a.detections, b.detections);
    const sec = `Session options (FastSAM-${arch} eq. @${imgsz}, bare session.run)`;
    const L = `FastSAM-${arch} eq. @${imgsz}`;
    const k = `opts.${arch}.${imgsz}`;
    return [
      { key: `${k}.threads1`, section: sec, label: `${L}: 1 intra-op thread, opt all`, value: t.t1.median, unit: 'ms' },
      { key: `${k}.threads${T}`, section: sec, label: `${L}: ${T} intra-op threads, opt all (baseline)`, value: t.tN.median, unit: 'ms' },
      { key: `${k}.threadsSpeedup`, section: sec, label: `${L}: speed-up ${T} threads vs 1`, value: t.t1.median / t.tN.median, unit: 'ratio' },
      { key: `${k}.optBasic`, section: sec, label: `${L}: graph optimization basic (${T} threads)`, value: t.basic.median, unit: 'ms' },
      { key: `${k}.optBasicVsAll`, section: sec, label: `${L}: basic / all`, value: t.basic.median / t.tN.median, unit: 'ratio' },
      { key: `${k}.int8`, section: sec, label: `${L}: dynamic int8 (${T} threads, opt all)`, value: t.int8.median, unit: 'ms' },
      { key: `${k}.int8VsFp32`, section: sec, label: `${L}: int8 / fp32 time`, value: t.int8.median / t.tN.median, unit: 'ratio' },
      { key: `${k}.int8Matched`, section: sec, label: `${L}: fp32 detections matched by int8 (box IoU ≥ 0.5)`, value: agree.reference ? (100 * agree.matched) / agree.reference : NaN, unit: '%', note: `${agree.matched} of ${agree.reference} (int8 has ${agree.other})` },
      { key: `${k}.int8MaskIoU`, section: sec, label: `${L}: median mask IoU int8 vs fp32 (matched)`, value: agree.medianMaskIoU, unit: 'IoU', note: 'random weights: function fidelity, not quality' },
    ];
  } finally {
    for (const s of Object.values(models)) await s.dispose();
  }
}
