/**
 * FastSAM / YOLOv8-seg / YOLO11-seg everything mode over any Ultralytics segmentation ONNX export.
 *
 *   const model = await loadSegModel('FastSAM-s.onnx', {device: 'cpu'});
 *   const result = await segmentImage(model, await readImage('bus.jpg'), {conf: 0.4, iou: 0.9});
 *   await model.dispose();
 *
 * The contract is read from the model: one image input [1, 3, H, W] (fixed or dynamic), output0
 * [1, 4 + C + nm, N] (cx, cy, w, h, C class scores, nm mask coefficients) and output1 [1, nm, H/4, W/4]
 * prototypes; Ultralytics metadata (names, imgsz, stride) when present.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULTS, intraOpThreads } from '../config.js';
import { EngineError, throwIfAborted } from '../errors.js';
import type { Detection, RawImage, SegmentResult } from '../types.js';
import { decodeDetections, gatherCoefficients, segOutputLayout, unletterboxBoxes } from './decode.js';
import type { Candidates } from './decode.js';
import type { AfterRun } from './after-run.js';
import { letterbox } from './letterbox.js';
import { protoGeometry, protosByCell } from './masks.js';
import { computeMasks } from './mask-helper.js';
import { helperReady, startHelperThreads } from '../util/helper-thread.js';
import { giveBack, takeBuffer } from '../util/buffer-pool.js';
import { parseUltralyticsImgsz, parseUltralyticsNames } from './onnx-metadata.js';
import type { FeedTensor, OnnxSession, OutputTensor, SessionOptions, TensorInfo } from './session.js';
import { openSession } from './session.js';
import { openWorkerSession } from './worker-session.js';
import { poolSessions } from './session-pool.js';

export interface SegModel {
  session: OnnxSession;
  name: string;
  inputName: string;
  /** Names of the detection head (rank 3) and prototype (rank 4) outputs. */
  detName: string;
  protoName: string;
  /** [h, w] when the model's input size is fixed, else null (dynamic: imgsz chooses). */
  fixedSize: [number, number] | null;
  /** Default input size: the fixed size, else Ultralytics metadata imgsz, else DEFAULTS.segment.imgsz. */
  defaultSize: [number, number];
  /** Class count and mask coefficients when the model declares them (null: read from the first run). */
  numClasses: number | null;
  numMaskCoeffs: number;
  classNames?: string[];
  stride: number;
  device: string;
  dispose(): Promise<void>;
}

export interface LoadSegModelOptions extends SessionOptions {
  /** A label for results (default: the file name). */
  name?: string;
  /**
   * Run the session in a worker thread (model/worker-session) so that a model run does not block this
   * thread (default true). false: in this thread, as onnxruntime-node does by itself.
   */
  worker?: boolean;
  /**
   * Sessions of the model run side by side (default 1), each in its own worker thread with
   * `intraOpThreads` threads (default: the machine's cores divided among them): a stream of tiles keeps
   * two runs in flight, so two 1-thread sessions can beat one 2-thread session on a many-tile raster
   * (model/session-pool). Slower on a single tile.
   */
  sessions?: number;
}

function fail(what: string, got: TensorInfo[], expected: string): never {
  const desc = got.map((t) => `${t.name} [${t.dims.join(', ')}]`).join(', ') || 'none';
  throw new EngineError('BAD_MODEL', `${what}: got ${desc}, expected ${expected}`);
}

const SEG_EXPECTED = 'output0 [1, 4+C+32, N] (boxes, class scores, mask coefficients) and output1 [1, 32, H/4, W/4] (prototypes) of an Ultralytics segmentation export (FastSAM, YOLOv8-seg)';

export async function loadSegModel(model: string | Uint8Array, options: LoadSegModelOptions = {}): Promise<SegModel> {
  // Intra-op threads do not spin-wait by default here: the tile stages share the cores with the model
  // (measured on 2 cores: 16 tiles of FastSAM-s @640, 702–742 vs 795–925 ms per tile; bare run no slower).
  const { worker = true, spinning = false, sessions = 1, ...rest } = options;
  if (!(Number.isInteger(sessions) && sessions >= 1 && sessions <= 64)) throw new EngineError('BAD_INPUT', `sessions: got ${sessions}, expected an integer from 1 to 64`);
  const sessionOptions = { ...rest, spinning };
  startHelperThreads();
  let session: OnnxSession;
  if (sessions > 1) {
    if (!worker) throw new EngineError('BAD_INPUT', 'sessions: more than one session needs worker threads (worker: true)');
    const threads = rest.intraOpThreads || Math.max(1, Math.floor(intraOpThreads() / sessions));
    // Loaded side by side (each in its own worker thread): the second load no longer doubles the wait.
    const opened = await Promise.allSettled(Array.from({ length: sessions }, () => openWorkerSession(model, { ...sessionOptions, intraOpThreads: threads })));
    const members = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(members.map((m) => m.dispose()));
      throw failed.reason;
    }
    session = poolSessions(members);
  } else session = worker ? await openWorkerSession(model, sessionOptions) : await openSession(model, sessionOptions);
  try {
    return describe(session, options.name ?? (typeof model === 'string' ? path.basename(model) : session.name));
  } catch (err) {
    await session.dispose();
    throw err;
  }
}

function describe(session: OnnxSession, name: string): SegModel {
  const { inputs, outputs, metadata } = session;
  const img = inputs.length === 1 ? inputs[0] : undefined;
  if (!img || img.dims.length !== 4 || (typeof img.dims[1] === 'number' && img.dims[1] !== 3) || img.type !== 'float32') {
    fail(`${name} has the wrong inputs`, inputs, 'one float32 image input [1, 3, H, W]');
  }
  if (outputs.length !== 2) fail(`${name} has the wrong outputs`, outputs, SEG_EXPECTED);
  const det = outputs.find((o) => o.dims.length === 3);
  const proto = outputs.find((o) => o.dims.length === 4);
  if (!det || !proto || det.type !== 'float32' || proto.type !== 'float32') fail(`${name} has the wrong outputs`, outputs, SEG_EXPECTED);
  const nm = typeof proto.dims[1] === 'number' ? proto.dims[1] : 32;
  let numClasses: number | null = null;
  if (typeof det.dims[1] === 'number') {
    numClasses = det.dims[1] - 4 - nm;
    if (numClasses < 1) fail(`${name} has the wrong outputs`, outputs, SEG_EXPECTED);
  }
  const h = img.dims[2];
  const w = img.dims[3];
  const fixedSize: [number, number] | null = typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? [h, w] : null;
  const metaSize = parseUltralyticsImgsz(metadata.imgsz);
  // Sizes a file claims are bounded (a lying model must not make us allocate 2^40 floats).
  for (const [what, sz] of [['input size', fixedSize], ['metadata imgsz', metaSize]] as const) {
    if (sz && !sz.every((v) => Number.isInteger(v) && v > 0 && v <= MAX_INPUT_SIDE)) {
      fail(`${name}: ${what} ${sz.join('×')} is outside 1..${MAX_INPUT_SIDE}`, outputs, SEG_EXPECTED);
    }
  }
  const classNames = parseUltralyticsNames(metadata.names);
  const metaStride = Number(metadata.stride);
  const stride = Number.isInteger(metaStride) && metaStride > 0 && metaStride <= 256 ? metaStride : 32;
  const d = DEFAULTS.segment.imgsz;
  return {
    session,
    name,
    inputName: img.name,
    detName: det.name,
    protoName: proto.name,
    fixedSize,
    defaultSize: fixedSize ?? metaSize ?? [d, d],
    numClasses,
    numMaskCoeffs: nm,
    classNames,
    stride,
    device: session.device,
    dispose: () => session.dispose(),
  };
}

export interface SegmentOptions {
  /** Confidence threshold (default DEFAULTS.segment.conf = 0.4, FastSAM's). Scores must be > conf. */
  conf?: number;
  /** NMS IoU threshold (default 0.9, FastSAM's). */
  iou?: number;
  /** Most detections kept (default 300). */
  maxDet?: number;
  /** Model input size (number or [h, w]); fixed-size models only accept their own size. */
  imgsz?: number | [number, number];
  /** Masks at the original resolution (process_mask_native). Only `true` is implemented. */
  retinaMasks?: boolean;
  signal?: AbortSignal;
}

function checkUnit(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new EngineError('BAD_INPUT', `${name}: got ${v}, expected a number between 0 and 1`);
  }
}

/** Largest model input side (pixels) accepted from a file's shape or metadata, or as imgsz. */
export const MAX_INPUT_SIDE = 8192;

/** Resolves the input size to use for a run; validates it against the model. */
export function inputSizeFor(model: SegModel, imgsz?: number | [number, number]): [number, number] {
  if (imgsz === undefined) return model.defaultSize;
  const size: [number, number] = typeof imgsz === 'number' ? [imgsz, imgsz] : [imgsz[0], imgsz[1]];
  if (!size.every((v) => Number.isInteger(v) && v > 0)) {
    throw new EngineError('BAD_INPUT', `imgsz: got ${JSON.stringify(imgsz)}, expected a positive integer or [h, w]`);
  }
  if (size.some((v) => v > MAX_INPUT_SIDE)) {
    throw new EngineError('BAD_INPUT', `imgsz: got ${size.join('×')}, expected at most ${MAX_INPUT_SIDE}`);
  }
  if (model.fixedSize) {
    if (size[0] !== model.fixedSize[0] || size[1] !== model.fixedSize[1]) {
      throw new EngineError('BAD_INPUT', `imgsz: got ${size.join('×')}, expected ${model.fixedSize.join('×')}: ${model.name} has a fixed input size`);
    }
    return size;
  }
  if (size.some((v) => v % model.stride !== 0)) {
    throw new EngineError('BAD_INPUT', `imgsz: got ${size.join('×')}, expected multiples of the model stride ${model.stride}`);
  }
  return size;
}

/** A letterboxed input, ready for the model (stage "preprocess" of a tile). */
export interface PreparedInput {
  tensor: Float32Array;
  size: [number, number];
  geometry: ReturnType<typeof letterbox>['geometry'];
  image: { width: number; height: number };
  options: { conf: number; iou: number; maxDet: number };
  preprocessMs: number;
}

/** The model's raw outputs for one input (stage "infer"). */
export interface RawOutputs {
  input: PreparedInput;
  /** data null: kept by the session that ran the model, the candidates carry what the decode needs (after-run.ts compact). */
  det: { data: Float32Array | null; dims: number[] };
  /** data null: kept by the session that ran the model, `byCell` holds the same numbers. */
  proto: { data: Float32Array | null; dims: number[] };
  /** The score filter + NMS, when the session did it where the model ran (after-run.ts); else decodeOutputs does it. */
  candidates?: Candidates;
  /** The cell-major prototypes, when the session wrote them (after-run.ts; a pool buffer decodeOutputs gives back). */
  byCell?: SharedArrayBuffer;
  /** Of inferenceMs, the time the session spent on that decode work after the run. */
  afterRunMs?: number;
  inferenceMs: number;
}

/** What the masks get for the channel-major prototypes when only their cell-major copy came back (they read only that). */
const NO_PROTOS = new Float32Array(0);

/** Cell-major prototypes pay off from a handful of masks on (a few ms per tile, then faster masks). */
const BY_CELL_MIN_DETECTIONS = 8;
/**
 * Size in bytes of the cell-major prototypes for an input size, so runModel can hand the model's worker a
 * pool buffer to write them into: the prototype output's declared channels (else 32) at a quarter of the
 * input size, YOLOv8-seg's layout. Where a model's prototypes differ, the worker finds the buffer too small
 * and leaves the layout to decodeOutputs.
 */
function byCellBytesFor(model: SegModel, size: [number, number]): number {
  const nm = model.session.outputs.find((o) => o.name === model.protoName)?.dims[1];
  return 4 * (typeof nm === 'number' && nm > 0 ? nm : 32) * Math.ceil(size[0] / 4) * Math.ceil(size[1] / 4);
}

/** Validates the options and letterboxes the image into the model's input tensor. */
export function prepareInput(model: SegModel, image: RawImage, options: SegmentOptions = {}): PreparedInput {
  const conf = options.conf ?? DEFAULTS.segment.conf;
  const iou = options.iou ?? DEFAULTS.segment.iou;
  const maxDet = options.maxDet ?? DEFAULTS.segment.maxDet;
  checkUnit('conf', conf);
  checkUnit('iou', iou);
  if (!(Number.isInteger(maxDet) && maxDet >= 1)) throw new EngineError('BAD_INPUT', `maxDet: got ${maxDet}, expected an integer ≥ 1`);
  if (options.retinaMasks === false) {
    throw new EngineError('BAD_INPUT', 'retinaMasks: got false, expected true (only masks at the original resolution are implemented)');
  }
  const [ih, iw] = inputSizeFor(model, options.imgsz);
  throwIfAborted(options.signal);
  const t0 = performance.now();
  // The tensor's memory comes from the pool (runModel gives it back): reused pages, no page faults.
  const { tensor, geometry } = letterbox(image, ih, iw, undefined, new Float32Array(takeBuffer(3 * ih * iw * 4)));
  return {
    tensor, geometry, size: [ih, iw], image: { width: image.width, height: image.height },
    options: { conf, iou, maxDet }, preprocessMs: performance.now() - t0,
  };
}

/** Runs the model on a prepared input (in the session's worker thread when it has one). */
export async function runModel(model: SegModel, input: PreparedInput, signal?: AbortSignal): Promise<RawOutputs> {
  throwIfAborted(signal);
  const [ih, iw] = input.size;
  const t1 = performance.now();
  // The letterboxed tensor is used once: a worker session takes its buffer instead of copying 5–13 MB.
  const feed: FeedTensor = { data: input.tensor, dims: [1, 3, ih, iw], transfer: true };
  const { conf, iou, maxDet } = input.options;
  // The score filter + NMS, and the cell-major prototypes, where the model ran (after-run.ts).
  // (Prototypes past 64 MB, inputs past ~2800², are laid out by decodeOutputs: not worth a buffer the pool does not keep.)
  const bytes = byCellBytesFor(model, input.size);
  const after: AfterRun = {
    detections: { det: model.detName, proto: model.protoName, conf, iou, maxDet },
    ...(bytes <= 64 * 2 ** 20 ? { byCell: { buffer: takeBuffer(bytes, true) as SharedArrayBuffer, minDetections: BY_CELL_MIN_DETECTIONS } } : {}),
    compact: true,
  };
  let out: Record<string, OutputTensor>;
  try {
    out = await model.session.run({ [model.inputName]: feed }, signal, after);
  } catch (err) {
    if (after.byCell) giveBack(after.byCell.buffer);
    throw err;
  }
  // Its memory serves the next tile's input (a worker session hands the moved buffer back in feed.data).
  giveBack(feed.data.buffer);
  if (after.byCell && !after.byCellDone) giveBack(after.byCell.buffer);
  const inferenceMs = performance.now() - t1;
  const kept = after.kept ?? {};
  const det = out[model.detName] ?? (kept[model.detName] ? { data: null, dims: kept[model.detName] } : undefined);
  const proto = out[model.protoName] ?? (kept[model.protoName] ? { data: null, dims: kept[model.protoName] } : undefined);
  return {
    input, det: det as RawOutputs['det'], proto: proto as RawOutputs['proto'],
    ...(after.candidates ? { candidates: after.candidates } : {}),
    ...(after.byCell && after.byCellDone ? { byCell: after.byCell.buffer } : {}),
    ...(after.ms !== undefined ? { afterRunMs: after.ms } : {}),
    inferenceMs,
  };
}

/** NMS and masks at the original resolution (stage "decode"). */
export async function decodeOutputs(model: SegModel, raw: RawOutputs, signal?: AbortSignal): Promise<SegmentResult> {
  const { det, proto, input } = raw;
  const { conf, iou, maxDet } = input.options;
  const t2 = performance.now();
  const layout = segOutputLayout(det.dims, proto.dims);
  if (!layout) {
    throw new EngineError('BAD_MODEL', `${model.name} produced ${model.detName} [${det.dims}] and ${model.protoName} [${proto.dims}], expected ${SEG_EXPECTED}`);
  }
  const { anchors: N, numClasses, nm } = layout;
  const out0 = det.data;
  const protos = proto.data;
  if (!out0 && !raw.candidates?.coeffs) throw new EngineError('INTERNAL', `${model.detName} was kept by the session without the candidates' coefficients`);
  const cands = raw.candidates ?? decodeDetections(out0!, N, { conf, iou, maxDet, numClasses });
  const t3 = performance.now();

  const boxes = Float64Array.from(cands.boxes);
  unletterboxBoxes(boxes, input.geometry);
  const pg = protoGeometry(nm, proto.dims[2], proto.dims[3], input.image.height, input.image.width);
  const k = cands.scores.length;
  const coeffs = cands.coeffs ?? gatherCoefficients(out0!, layout, cands.index);
  // Cell-major prototypes (BY_CELL_MIN_DETECTIONS): written by the model's worker thread (runModel), else
  // here; in shared memory when helper threads take part of the masks (mask-helper.ts).
  const cells = proto.dims[2] * proto.dims[3] * nm;
  let byCell: Float32Array | undefined;
  if (raw.byCell && raw.byCell.byteLength >= cells * 4 && k >= BY_CELL_MIN_DETECTIONS) byCell = new Float32Array(raw.byCell, 0, cells);
  else {
    if (raw.byCell) giveBack(raw.byCell);
    if (!protos) throw new EngineError('INTERNAL', `${model.protoName} was kept by the session without its cell-major copy`);
    byCell = k >= BY_CELL_MIN_DETECTIONS ? protosByCell(protos, pg, new Float32Array(takeBuffer(cells * 4, helperReady()))) : undefined;
  }
  let masks;
  try {
    // (protos null: byCell is set, and the masks read only that.)
    masks = await computeMasks(protos ?? NO_PROTOS, byCell, pg, coeffs, boxes, signal);
  } finally {
    // Done with by every thread (computeMasks waits for its helpers): the next tile reuses the memory.
    if (byCell) giveBack(byCell.buffer);
  }
  const detections: Detection[] = [];
  for (let i = 0; i < k; i += 1) {
    const box: [number, number, number, number] = [boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]];
    detections.push({ box, score: cands.scores[i], classId: cands.classes[i], mask: masks[i].mask, area: masks[i].area });
  }
  const t4 = performance.now();
  const afterRun = raw.afterRunMs ?? 0;

  return {
    image: { ...input.image },
    model: {
      name: model.name,
      inputSize: input.size,
      numClasses,
      numMaskCoeffs: nm,
      device: model.device,
      ...(model.classNames ? { classNames: model.classNames } : {}),
    },
    // The decode work the model's worker did after the run (after-run.ts) counts as decode, not inference.
    timings: {
      preprocess: input.preprocessMs,
      inference: raw.inferenceMs - afterRun,
      postprocess: t4 - t2 + afterRun,
      nms: t3 - t2,
      masks: t4 - t3,
      afterRun,
    },
    detections,
  };
}

/** prepareInput → runModel → decodeOutputs. */
export async function segmentImage(model: SegModel, image: RawImage, options: SegmentOptions = {}): Promise<SegmentResult> {
  const input = prepareInput(model, image, options);
  const raw = await runModel(model, input, options.signal);
  return await decodeOutputs(model, raw, options.signal);
}
