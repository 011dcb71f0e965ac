/**
 * Getting a FastSAM model onto disk: download the Ultralytics checkpoint (models/download.ts: temp
 * file + rename, sha256 when recorded, a mismatch deleted) and convert it to ONNX in Node
 * (models/convert.ts). Used by `fastsam-geo models download` and, for the default model, by the first
 * run of extract / segment / serve (and so JupyterLab) when no model is there yet.
 *
 * $FASTSAM_GEO_NO_DOWNLOAD=1 turns the automatic download off (the command then stops with
 * MODEL_MISSING, naming the file and how to get it, as it does when the download fails).
 */
import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { modelsDir } from '../config.js';
import { EngineError } from '../errors.js';
import { convertCheckpointFile } from './convert.js';
import { downloadFile, progressBar } from './download.js';
import { DEFAULT_SEG_MODEL, findModel, howToGet, modelPath, resolveModel } from './registry.js';
import type { ModelEntry } from './registry.js';

export interface FetchOptions {
  /** Download progress (default: a progress bar on stderr). */
  onProgress?: (received: number, total: number | null) => void;
  /** One-line messages (default: stderr). */
  log?: (message: string) => void;
  signal?: AbortSignal;
  /** Input size of the converted graph (default 1024, FastSAM's). */
  imgsz?: number;
}

const stderrLog = (m: string) => process.stderr.write(`${m}\n`);

/**
 * Downloads `entry` (when its download file is not already there) and, for a checkpoint, converts it
 * into the entry's ONNX file. Returns the path the engine loads.
 */
export async function fetchModel(entry: ModelEntry, options: FetchOptions = {}): Promise<{ path: string; downloaded: string; sha256?: string; converted: boolean }> {
  const log = options.log ?? stderrLog;
  const dir = modelsDir();
  const dest = path.join(dir, entry.downloadFile);
  let sha256: string | undefined;
  let fresh = false;
  if (existsSync(dest) && statSync(dest).size > 0) {
    log(`${dest} already exists`);
  } else {
    log(`downloading ${entry.name} from ${entry.url}`);
    const r = await downloadFile(entry.url, dest, { sha256: entry.sha256, onProgress: options.onProgress ?? progressBar(entry.downloadFile), signal: options.signal });
    sha256 = r.sha256;
    fresh = true;
    log(`saved ${r.path} (${r.bytes} bytes, sha256 ${r.sha256}${entry.sha256 ? ', verified' : ', no recorded checksum to verify against'})`);
  }
  if (!entry.convert) return { path: dest, downloaded: dest, sha256, converted: false };
  const onnx = modelPath(entry);
  log(`converting ${entry.downloadFile} to ONNX (imgsz ${options.imgsz ?? 1024})`);
  const t0 = Date.now();
  let r;
  try {
    r = await convertCheckpointFile(dest, onnx, { imgsz: options.imgsz });
  } catch (err) {
    // A download that is not a usable checkpoint is deleted, so that the next try downloads again.
    if (fresh && err instanceof EngineError && err.code === 'BAD_MODEL') await rm(dest, { force: true });
    throw err;
  }
  log(`wrote ${onnx} (YOLOv8${r.info.scaleName}-seg, ${(r.parameterCount / 1e6).toFixed(2)}M parameters, ${(r.bytes.length / 1e6).toFixed(1)} MB, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return { path: onnx, downloaded: dest, sha256, converted: true };
}

/**
 * resolveModel for segmentation models, downloading + converting a known FastSAM model that is not on
 * disk yet (for the default FastSAM-s, or a FastSAM name asked for). A failed download (offline)
 * stops with MODEL_MISSING naming the file and how to provide it, and the reason.
 */
export async function ensureSegModel(nameOrPath: string | undefined, options: FetchOptions = {}): Promise<string> {
  try {
    return resolveModel(nameOrPath, 'fastsam');
  } catch (err) {
    if (!(err instanceof EngineError) || err.code !== 'MODEL_MISSING') throw err;
    const entry = findModel(nameOrPath ?? DEFAULT_SEG_MODEL);
    if (!entry || entry.kind !== 'fastsam' || !entry.convert || process.env.FASTSAM_GEO_NO_DOWNLOAD === '1') throw err;
    (options.log ?? stderrLog)(`${entry.name} is not in ${modelsDir()} yet: downloading and converting it once`);
    try {
      return (await fetchModel(entry, options)).path;
    } catch (e) {
      if (e instanceof EngineError && e.code === 'ABORTED') throw e;
      const p = modelPath(entry);
      throw new EngineError('MODEL_MISSING', `model ${entry.name} is missing: expected ${p}, and fetching it failed (${(e as Error).message}). ${howToGet(entry, p)}`,
        { name: entry.name, path: p, url: entry.url });
    }
  }
}
