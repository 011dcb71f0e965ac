/**
 * Known model files, where they come from, and how the engine finds them.
 *
 * FastSAM: the official weights are Ultralytics' PyTorch assets (FastSAM-s.pt, FastSAM-x.pt).
 * Neither Ultralytics nor the FastSAM authors publish an ONNX export, so `fastsam-geo models download
 * FastSAM-s` fetches the .pt and converts it to ONNX in Node (models/convert.ts; no Python, no
 * PyTorch); `models convert X.pt` does the same for a local file. We could not download the assets on
 * the machines this was built on, so no sha256 is recorded for them (checksumVerified: false); the
 * download reports the hash it computed. $FASTSAM_GEO_FASTSAM_URL replaces the base URL (a mirror, or
 * a loopback server in tests).
 * CLIP entries come from prompts/clip/models.ts.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { modelsDir } from '../config.js';
import { EngineError } from '../errors.js';
import { CLIP_MODELS } from '../prompts/clip/models.js';

export type ModelKind = 'fastsam' | 'clip-vision' | 'clip-text' | 'clip-bpe';

export interface ModelEntry {
  name: string;
  kind: ModelKind;
  /** The file the engine loads, in the models directory. */
  file: string;
  /** What `models download` fetches (may differ from `file`: FastSAM's .pt, to be exported). */
  url: string;
  /** File name the download is saved under. */
  downloadFile: string;
  /** sha256 of the file at `url`; null when we could not verify it. */
  sha256: string | null;
  checksumVerified: boolean;
  /** The download is an Ultralytics checkpoint that `models convert` turns into `file`. */
  convert?: boolean;
  description: string;
}

export const ULTRALYTICS_ASSETS = 'https://github.com/ultralytics/assets/releases/download/v8.4.0';

/** Base URL of the FastSAM checkpoints: $FASTSAM_GEO_FASTSAM_URL, else Ultralytics' release assets. */
export function fastsamBaseUrl(): string {
  return (process.env.FASTSAM_GEO_FASTSAM_URL || ULTRALYTICS_ASSETS).replace(/\/+$/, '');
}

export const FASTSAM_MODELS: ModelEntry[] = [
  {
    name: 'FastSAM-s',
    kind: 'fastsam',
    file: 'FastSAM-s.onnx',
    get url() { return `${fastsamBaseUrl()}/FastSAM-s.pt`; },
    downloadFile: 'FastSAM-s.pt',
    sha256: null,
    checksumVerified: false,
    convert: true,
    description: 'FastSAM small (YOLOv8s-seg, 1 class, 11.8M parameters): output0 [1,37,21504] at 1024',
  },
  {
    name: 'FastSAM-x',
    kind: 'fastsam',
    file: 'FastSAM-x.onnx',
    get url() { return `${fastsamBaseUrl()}/FastSAM-x.pt`; },
    downloadFile: 'FastSAM-x.pt',
    sha256: null,
    checksumVerified: false,
    convert: true,
    description: 'FastSAM large (YOLOv8x-seg, 1 class, ~72M parameters): output0 [1,37,21504] at 1024',
  },
];

/** Every known model: FastSAM first, then the CLIP files. */
export function knownModels(): ModelEntry[] {
  const clip: ModelEntry[] = CLIP_MODELS.map((m) => ({
    name: m.name,
    kind: m.kind,
    file: m.file,
    url: m.url,
    downloadFile: m.file,
    sha256: m.sha256,
    checksumVerified: m.checksumVerified,
    description: m.description,
  }));
  return [...FASTSAM_MODELS, ...clip];
}

/** The one default segmentation model, for every command, the server and JupyterLab. */
export const DEFAULT_SEG_MODEL = 'FastSAM-s';

export function findModel(name: string): ModelEntry | undefined {
  const n = name.toLowerCase();
  return knownModels().find((m) => m.name.toLowerCase() === n);
}

/** Where a known model lives (present or not). */
export function modelPath(entry: ModelEntry): string {
  return path.join(modelsDir(), entry.file);
}

export function howToGet(entry: ModelEntry, p: string): string {
  if (entry.convert) {
    return `Get it with \`fastsam-geo models download ${entry.name}\` (fetches ${entry.downloadFile} from ${entry.url} ` +
      `and converts it to ${p}), or convert a copy you have with \`fastsam-geo models convert ${entry.downloadFile} -o ${p}\`, ` +
      'or pass an ONNX file with --model PATH.';
  }
  return `Get it with \`fastsam-geo models download ${entry.name}\` (from ${entry.url}), or pass a file with --model PATH.`;
}

/**
 * An explicit path (must exist), or a known model name (must be in the models directory), or by
 * default FastSAM-s. A known model that is not on disk is MODEL_MISSING; its message names the file
 * and how to provide it.
 */
export function resolveModel(nameOrPath: string | undefined, kindOrAlias: ModelKind | 'segment' = 'fastsam'): string {
  const kind: ModelKind = kindOrAlias === 'segment' ? 'fastsam' : kindOrAlias; // 'segment': any segmentation model
  const ref = nameOrPath ?? (kind === 'fastsam' ? DEFAULT_SEG_MODEL : knownModels().find((m) => m.kind === kind)?.name);
  if (!ref) throw new EngineError('BAD_INPUT', `model: got nothing, expected a path or a known ${kind} model name`);
  const entry = findModel(ref);
  if (entry && !/[\\/]/.test(ref) && !existsSync(ref)) {
    if (entry.kind !== kind) {
      throw new EngineError('BAD_INPUT', `model '${ref}': got a ${entry.kind} model, expected a ${kind} model`);
    }
    const p = modelPath(entry);
    if (!existsSync(p)) {
      throw new EngineError('MODEL_MISSING', `model ${entry.name} is missing: expected ${p}. ${howToGet(entry, p)}`,
        { name: entry.name, path: p, url: entry.url });
    }
    return p;
  }
  const p = path.resolve(ref);
  if (!existsSync(p)) {
    throw new EngineError('NOT_FOUND', `model file not found: ${p} (known models: ${knownModels().filter((m) => m.kind === kind).map((m) => m.name).join(', ')})`);
  }
  if (statSync(p).isDirectory()) throw new EngineError('BAD_MODEL', `model: ${p} is a directory, expected an .onnx file`);
  return p;
}
