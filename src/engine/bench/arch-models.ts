/**
 * The bench's model cache: architecture-equivalent FastSAM-s / -x graphs (testing/arch-model.ts) at
 * a given input size, with the class bias calibrated (calibrateClassBias) so that a run on the
 * calibration image leaves ~400 candidates above conf 0.4, as a real FastSAM tile of buildings does,
 * and with building-like boxes and solid masks (ArchModelOptions.buildingLike: same graph and cost;
 * decode and vectorize then get the work a real tile gives them, not pixel noise).
 * Written once into the bench cache dir (never committed): $FASTSAM_GEO_BENCH_CACHE, else
 * $FASTSAM_GEO_CACHE/bench, else ~/.cache/fastsam-geo/bench.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { letterbox } from '../model/letterbox.js';
import { openSession } from '../model/session.js';
import { buildArchModel, calibrateClassBias, calibrationImage, FASTSAM_ARCH } from '../testing/arch-model.js';
import type { FastSamArch } from '../testing/arch-model.js';
import type { RawImage } from '../types.js';

/** Bumped when the graph or the calibration changes, so stale cache files are not reused. */
const CACHE_VERSION = 2;

export function benchCacheDir(dir?: string): string {
  const d = dir
    ?? process.env.FASTSAM_GEO_BENCH_CACHE
    ?? (process.env.FASTSAM_GEO_CACHE ? path.join(process.env.FASTSAM_GEO_CACHE, 'bench') : path.join(os.homedir(), '.cache', 'fastsam-geo', 'bench'));
  mkdirSync(d, { recursive: true });
  return d;
}

export interface CachedArchModel {
  arch: FastSamArch;
  imgsz: number;
  file: string;
  parameterCount: number;
  classBias: number;
  /** Candidates above `conf` on the calibration image with the calibrated bias. */
  conf: number;
  target: number;
}

export interface ArchModelCacheOptions {
  cacheDir?: string;
  seed?: number;
  /** Candidates wanted above conf (default 400) and the conf (default 0.4, FastSAM's). */
  target?: number;
  conf?: number;
  /** Threads for the calibration run. */
  intraOpThreads?: number;
  onLog?: (message: string) => void;
}

/** The calibration image as the model sees it: a square RGB image of side imgsz. */
export function benchImage(imgsz: number): RawImage {
  return calibrationImage(imgsz) as RawImage;
}

function writeAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Returns the cached calibrated graph, writing it first when missing. */
export async function archModel(arch: FastSamArch, imgsz: number, options: ArchModelCacheOptions = {}): Promise<CachedArchModel> {
  if (!(arch in FASTSAM_ARCH)) throw new EngineError('BAD_INPUT', `model: got '${arch}', expected one of ${Object.keys(FASTSAM_ARCH).join(', ')}`);
  if (!(Number.isInteger(imgsz) && imgsz >= 64 && imgsz % 32 === 0)) throw new EngineError('BAD_INPUT', `imgsz: got ${imgsz}, expected a multiple of 32 ≥ 64`);
  const seed = options.seed ?? 1;
  const target = options.target ?? 400;
  const conf = options.conf ?? 0.4;
  const dir = benchCacheDir(options.cacheDir);
  const base = path.join(dir, `fastsam-${arch}-eq-${imgsz}-seed${seed}-t${target}-v${CACHE_VERSION}`);
  const file = `${base}.onnx`;
  const meta = `${base}.json`;
  if (existsSync(file) && existsSync(meta)) return { ...JSON.parse(readFileSync(meta, 'utf8')), file };

  options.onLog?.(`writing the FastSAM-${arch} architecture-equivalent graph at ${imgsz} into ${dir} (once)`);
  const raw = buildArchModel(arch, { imgsz, seed, buildingLike: true });
  const { tensor } = letterbox(benchImage(imgsz), imgsz, imgsz);
  const session = await openSession(raw.bytes, { intraOpThreads: options.intraOpThreads });
  let scores: Float32Array;
  try {
    const out = await session.run({ images: { data: tensor, dims: [1, 3, imgsz, imgsz] } });
    const n = out.output0.dims[2];
    scores = (out.output0.data as Float32Array).slice(4 * n, 5 * n);
  } finally {
    await session.dispose();
  }
  const classBias = calibrateClassBias(scores, { conf, target });
  const calibrated = buildArchModel(arch, { imgsz, seed, classBias, buildingLike: true });
  writeAtomic(file, calibrated.bytes);
  const info = { arch, imgsz, parameterCount: calibrated.parameterCount, classBias, conf, target };
  writeAtomic(meta, JSON.stringify(info, null, 2));
  return { ...info, file };
}
