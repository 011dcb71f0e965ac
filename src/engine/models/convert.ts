/**
 * Ultralytics YOLOv8-seg checkpoint (FastSAM-s.pt, FastSAM-x.pt, yolov8*-seg.pt) → ONNX, in Node.
 *
 * Reads the checkpoint (models/checkpoint.ts), takes the model as Ultralytics' loader does
 * (`ckpt.ema or ckpt.model`), checks that its module tree is the yolov8-seg layout (layer classes and
 * `f` wiring), infers the scale from the weight shapes, and writes models/yolov8-seg-graph.ts with its
 * weights: each Ultralytics Conv's BatchNorm folded into the convolution as Ultralytics' fuse()
 * (fuse_conv_and_bn) does before export — w' = w · γ/√(var+eps), b' = β − γ·mean/√(var+eps) — in
 * float32 from the (usually float16) stored values. Metadata as Ultralytics' ONNX exporter writes it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EngineError } from '../errors.js';
import { isTensor, pyClass, readCheckpoint } from './checkpoint.js';
import type { Tensor } from './checkpoint.js';
import { buildYoloV8SegGraph, REG_MAX, scaleDims, YOLOV8_SCALES } from './yolov8-seg-graph.js';
import type { ArchScale, ConvWeights, SegGraph, WeightRole, WeightSource } from './yolov8-seg-graph.js';

type PyObj = Record<string, unknown>;

/** yolov8-seg.yaml: layer class names and `from` indices. */
const LAYERS: [string, number | number[]][] = [
  ['Conv', -1], ['Conv', -1], ['C2f', -1], ['Conv', -1], ['C2f', -1], ['Conv', -1], ['C2f', -1], ['Conv', -1], ['C2f', -1], ['SPPF', -1],
  ['Upsample', -1], ['Concat', [-1, 6]], ['C2f', -1], ['Upsample', -1], ['Concat', [-1, 4]], ['C2f', -1],
  ['Conv', -1], ['Concat', [-1, 12]], ['C2f', -1], ['Conv', -1], ['Concat', [-1, 9]], ['C2f', -1], ['Segment', [15, 18, 21]],
];

function bad(message: string): never {
  throw new EngineError('BAD_MODEL', `checkpoint: ${message}`);
}

function className(v: unknown): string {
  return (pyClass(v) ?? typeof v).split('.').pop()!;
}

function child(m: PyObj, name: string, where: string): PyObj {
  const mods = m._modules as PyObj | undefined;
  const c = mods?.[name];
  if (!c || typeof c !== 'object') bad(`module ${where}.${name} is missing (got ${className(m)} with ${Object.keys(mods ?? {}).join(', ') || 'no submodules'})`);
  return c as PyObj;
}

function param(m: PyObj, name: string, where: string, optional = false): Tensor | undefined {
  const v = (m._parameters as PyObj | undefined)?.[name] ?? (m._buffers as PyObj | undefined)?.[name];
  if (isTensor(v)) return v;
  if (optional) return undefined;
  return bad(`tensor ${where}.${name} is missing`);
}

function floats(t: Tensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof Float64Array) return Float32Array.from(t.data);
  return bad(`expected a floating-point tensor, got ${t.dtype}`);
}

function sameDims(t: Tensor, dims: number[], where: string): void {
  if (t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i])) {
    bad(`${where} has shape [${t.shape.join(', ')}], expected [${dims.join(', ')}] for a yolov8-seg model of this scale`);
  }
}

/** The weights of an Ultralytics module tree, by module path (`model.2.m.0.cv1`), BatchNorm folded. */
export class CheckpointWeights implements WeightSource {
  constructor(private readonly root: PyObj) {}

  module(p: string): PyObj {
    let m = this.root;
    let where = '';
    for (const part of p.split('.')) {
      m = child(m, part, where || className(this.root));
      where = where ? `${where}.${part}` : part;
    }
    return m;
  }

  conv(p: string, dims: [number, number, number, number], role: WeightRole): ConvWeights {
    const m = this.module(p);
    const cls = className(m);
    if (role === 'upsample') {
      if (cls !== 'ConvTranspose2d') bad(`${p} is a ${cls}, expected ConvTranspose2d`);
      const w = param(m, 'weight', p)!;
      sameDims(w, dims, `${p}.weight`);
      const b = param(m, 'bias', p, true);
      return { weight: floats(w), bias: b ? floats(b) : new Float32Array(dims[1]) };
    }
    if (role === 'box' || role === 'cls' || role === 'mask-coef') {
      if (cls !== 'Conv2d') bad(`${p} is a ${cls}, expected Conv2d`);
      return this.plain(m, p, dims);
    }
    // Ultralytics Conv: conv (no bias) + bn + act (SiLU); a fused model has conv with bias and no bn.
    if (cls !== 'Conv') bad(`${p} is a ${cls}, expected Ultralytics Conv`);
    const act = (m._modules as PyObj | undefined)?.act;
    if (act !== undefined && className(act) !== 'SiLU') bad(`${p}.act is ${className(act)}, expected SiLU`);
    const conv = child(m, 'conv', p);
    const bn = (m._modules as PyObj | undefined)?.bn as PyObj | undefined;
    if (Number((conv.groups as number | undefined) ?? 1) !== 1) bad(`${p}.conv has groups ${String(conv.groups)}, expected 1`);
    if (!bn) return this.plain(conv, `${p}.conv`, dims);
    if (className(bn) !== 'BatchNorm2d') bad(`${p}.bn is ${className(bn)}, expected BatchNorm2d`);
    const w = param(conv, 'weight', `${p}.conv`)!;
    sameDims(w, dims, `${p}.conv.weight`);
    const convBias = param(conv, 'bias', `${p}.conv`, true);
    const gamma = floats(param(bn, 'weight', `${p}.bn`)!);
    const beta = floats(param(bn, 'bias', `${p}.bn`)!);
    const mean = floats(param(bn, 'running_mean', `${p}.bn`)!);
    const variance = floats(param(bn, 'running_var', `${p}.bn`)!);
    const eps = typeof bn.eps === 'number' ? bn.eps : 1e-5;
    const c2 = dims[0];
    const per = dims[1] * dims[2] * dims[3];
    const src = floats(w);
    const weight = new Float32Array(src.length);
    const bias = new Float32Array(c2);
    const cb = convBias ? floats(convBias) : undefined;
    for (let o = 0; o < c2; o++) {
      const s = gamma[o] / Math.sqrt(variance[o] + eps);
      for (let i = o * per; i < (o + 1) * per; i++) weight[i] = src[i] * s;
      bias[o] = beta[o] - s * mean[o] + s * (cb ? cb[o] : 0);
    }
    return { weight, bias };
  }

  private plain(m: PyObj, p: string, dims: number[]): ConvWeights {
    const w = param(m, 'weight', p)!;
    sameDims(w, dims, `${p}.weight`);
    const b = param(m, 'bias', p, true);
    return { weight: floats(w), bias: b ? floats(b) : new Float32Array(dims[0]) };
  }
}

export interface CheckpointInfo {
  /** The matching Ultralytics scale letter (n/s/m/l/x), or 'custom'. */
  scaleName: string;
  scale: ArchScale;
  numClasses: number;
  names: Record<number, string>;
  /** Ultralytics version that saved it, when recorded. */
  version?: string;
  /** The class of the model object (ultralytics.nn.tasks.SegmentationModel). */
  modelClass: string;
}

/** The model of an unpickled Ultralytics checkpoint, checked against the yolov8-seg layout. */
export function inspectCheckpoint(ckpt: unknown): { model: PyObj; info: CheckpointInfo } {
  if (!ckpt || typeof ckpt !== 'object') bad('expected a dict with a model, got ' + typeof ckpt);
  const c = ckpt as PyObj;
  // ultralytics.nn.tasks.attempt_load_one_weight: (ckpt.get('ema') or ckpt['model']).
  const model = (c.ema && typeof c.ema === 'object' ? c.ema : c.model ?? (pyClass(c) ? c : undefined)) as PyObj | undefined;
  if (!model || typeof model !== 'object') bad(`no 'model' or 'ema' in the checkpoint (keys: ${Object.keys(c).join(', ')}); a bare state_dict is not supported`);
  const modelClass = pyClass(model) ?? 'unknown';
  if (!/SegmentationModel$/.test(modelClass)) bad(`the model is a ${modelClass}, expected ultralytics.nn.tasks.SegmentationModel (a YOLOv8-seg / FastSAM checkpoint)`);
  const seq = child(model, 'model', 'model');
  const layers = Object.keys((seq._modules as PyObj) ?? {});
  if (layers.length !== LAYERS.length) bad(`the model has ${layers.length} layers, expected ${LAYERS.length} (yolov8-seg.yaml)`);
  LAYERS.forEach(([cls, from], i) => {
    const m = (seq._modules as PyObj)[String(i)];
    const got = className(m);
    if (got !== cls) bad(`layer ${i} is ${got}, expected ${cls} (yolov8-seg.yaml)`);
    const f = (m as PyObj).f;
    if (f !== undefined && JSON.stringify(f) !== JSON.stringify(from)) bad(`layer ${i} takes input from ${JSON.stringify(f)}, expected ${JSON.stringify(from)}`);
  });
  const src = new CheckpointWeights(model);
  const shapeOf = (p: string) => param(src.module(p), 'weight', p)!.shape;
  const c0 = shapeOf('model.0.conv')[0];
  const c7 = shapeOf('model.7.conv')[0];
  const n2 = Object.keys((src.module('model.2.m')._modules as PyObj) ?? {}).length;
  const n4 = Object.keys((src.module('model.4.m')._modules as PyObj) ?? {}).length;
  let scaleName = 'custom';
  let scale: ArchScale | undefined;
  for (const [k, s] of Object.entries(YOLOV8_SCALES)) {
    const { ch, rep } = scaleDims(s);
    if (ch(64) === c0 && ch(1024) === c7 && rep(3) === n2 && rep(6) === n4) { scaleName = k; scale = s; break; }
  }
  if (!scale) bad(`no yolov8 scale has first conv width ${c0}, P5 width ${c7} and C2f repeats ${n2}/${n4}`);
  const nc = shapeOf('model.22.cv3.0.2')[0];
  const rawNames = (model.names ?? {}) as Record<string, unknown>;
  const names: Record<number, string> = {};
  for (let i = 0; i < nc; i++) names[i] = typeof rawNames[i] === 'string' ? (rawNames[i] as string) : String(i);
  const dfl = (src.module('model.22.dfl')._modules as PyObj | undefined)?.conv as PyObj | undefined;
  const dflW = dfl ? param(dfl, 'weight', 'model.22.dfl.conv', true) : undefined;
  if (dflW && (dflW.shape[1] !== REG_MAX || !floats(dflW).every((v, i) => v === i))) bad('model.22.dfl.conv.weight is not arange(16): not a standard DFL');
  const version = typeof c.version === 'string' ? c.version : undefined;
  return { model, info: { scaleName, scale, numClasses: nc, names, version, modelClass } };
}

export interface ConvertOptions {
  /** Square input size (multiple of 32); default 1024 (FastSAM's). */
  imgsz?: number;
  /** Name of the source file, for the description. */
  sourceName?: string;
}

export interface ConvertResult extends SegGraph {
  info: CheckpointInfo;
}

/** Checkpoint bytes → ONNX bytes. */
export function convertCheckpoint(bytes: Uint8Array, options: ConvertOptions = {}): ConvertResult {
  const imgsz = options.imgsz ?? 1024;
  if (!Number.isInteger(imgsz) || imgsz < 64 || imgsz % 32 !== 0) throw new EngineError('BAD_INPUT', `imgsz: got ${imgsz}, expected a multiple of 32 ≥ 64`);
  const { model, info } = inspectCheckpoint(readCheckpoint(bytes));
  const name = options.sourceName ? path.basename(options.sourceName).replace(/\.pt$/i, '') : `yolov8${info.scaleName}-seg`;
  const graph = buildYoloV8SegGraph(info.scale, new CheckpointWeights(model), {
    imgsz,
    numClasses: info.numClasses,
    names: info.names,
    name,
    producer: 'fastsam-geo',
    metadata: {
      description: `${name}: Ultralytics YOLOv8${info.scaleName}-seg checkpoint converted to ONNX by fastsam-geo`,
      author: 'Ultralytics (weights); converted by fastsam-geo',
      version: info.version ?? 'unknown',
      license: 'AGPL-3.0 License (https://ultralytics.com/license)',
      docs: 'https://docs.ultralytics.com',
      converted_by: 'fastsam-geo models convert',
    },
  });
  return { ...graph, info };
}

/** Converts `src` (.pt) into `dest` (.onnx) through a temp file + rename. */
export async function convertCheckpointFile(src: string, dest: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(src);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EngineError(code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_INPUT', `checkpoint ${src}: ${code === 'ENOENT' ? 'not found' : (err as Error).message}`);
  }
  const r = convertCheckpoint(bytes, { sourceName: src, ...options });
  await fs.mkdir(path.dirname(path.resolve(dest)), { recursive: true });
  const tmp = path.join(path.dirname(path.resolve(dest)), `.${path.basename(dest)}.${randomBytes(4).toString('hex')}.part`);
  try {
    await fs.writeFile(tmp, r.bytes);
    await fs.rename(tmp, dest);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return r;
}
