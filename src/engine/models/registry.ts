/**
 * Known model files, where they come from, and how the engine finds them.
 *
 * FastSAM: the official weights are Ultralytics' PyTorch assets (FastSAM-s.pt, FastSAM-x.pt, AGPL-3.0).
 * Neither Ultralytics nor the FastSAM authors publish an ONNX export, so the engine's files are made
 * by the user with Ultralytics' exporter (the same one that made ../shared/data/models/yolov8n-seg):
 *   pip install ultralytics onnx && yolo export model=FastSAM-s.pt format=onnx imgsz=1024
 * `fastsam-geo models download FastSAM-s` fetches the .pt and prints that command. We could not
 * download the assets on the machines this was built on, so no sha256 is recorded for them
 * (checksumVerified: false); the download reports the hash it computed.
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
  /** Command that turns the download into `file`, when they differ. */
  exportCommand?: string;
  description: string;
}

const ASSETS = 'https://github.com/ultralytics/assets/releases/download/v8.3.0';

export const FASTSAM_MODELS: ModelEntry[] = [
  {
    name: 'FastSAM-s',
    kind: 'fastsam',
    file: 'FastSAM-s.onnx',
    url: `${ASSETS}/FastSAM-s.pt`,
    downloadFile: 'FastSAM-s.pt',
    sha256: null,
    checksumVerified: false,
    exportCommand: 'yolo export model=FastSAM-s.pt format=onnx imgsz=1024',
    description: 'FastSAM small (YOLOv8s-seg, 1 class, 11.8M parameters): output0 [1,37,21504] at 1024',
  },
  {
    name: 'FastSAM-x',
    kind: 'fastsam',
    file: 'FastSAM-x.onnx',
    url: `${ASSETS}/FastSAM-x.pt`,
    downloadFile: 'FastSAM-x.pt',
    sha256: null,
    checksumVerified: false,
    exportCommand: 'yolo export model=FastSAM-x.pt format=onnx imgsz=1024',
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

export const DEFAULT_SEG_MODEL = 'FastSAM-s';

export function findModel(name: string): ModelEntry | undefined {
  const n = name.toLowerCase();
  return knownModels().find((m) => m.name.toLowerCase() === n);
}

/** Where a known model lives (present or not). */
export function modelPath(entry: ModelEntry): string {
  return path.join(modelsDir(), entry.file);
}

function howToGet(entry: ModelEntry, p: string): string {
  if (entry.exportCommand) {
    return `Get it with \`fastsam-geo models download ${entry.name}\` (fetches ${entry.downloadFile}) and ` +
      `\`${entry.exportCommand}\` (pip install ultralytics onnx), saving ${entry.file} as ${p}, ` +
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
