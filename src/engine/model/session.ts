/**
 * The onnxruntime-node gateway: the only file that imports onnxruntime-node.
 *
 * openSession(model, {device}) loads a model (a path or its bytes) on an execution provider:
 *   'cpu' (default, bundled), 'webgpu' (bundled on Linux x64: Dawn over Vulkan), 'cuda' / 'tensorrt'
 *   (need onnxruntime-node's CUDA binaries: see README `gpu`).
 * An unavailable device falls back to cpu with a warning (options.onWarning, else stderr); with a
 * trailing '!' ('webgpu!') or `strict: true` it fails with DEVICE_UNAVAILABLE instead.
 * The session is generic (FastSAM, YOLO-seg, CLIP encoders): it reports the model's inputs and outputs
 * (name, dims, type) and the Ultralytics-style metadata_props, and runs plain typed arrays.
 */
import { readInputFile } from '../util/read-input.js';

/** Largest model file read (an ONNX protobuf cannot exceed 2 GiB). */
const MAX_MODEL_BYTES = 2 ** 31;
import path from 'node:path';
import ort from 'onnxruntime-node';
import { DEFAULTS, intraOpThreads } from '../config.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { readOnnxMetadata } from './onnx-metadata.js';
import type { AfterRun } from './after-run.js';

export const DEVICES = ['cpu', 'webgpu', 'cuda', 'tensorrt'] as const;
export type Device = (typeof DEVICES)[number];

export interface TensorInfo {
  name: string;
  /** Dimensions; a string is a symbolic (dynamic) dimension. */
  dims: (number | string)[];
  /** Element type ('float32', 'int64', ...). */
  type: string;
}

export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array;

export interface FeedTensor {
  data: TensorData;
  dims: number[];
  /** Defaults from the typed array (Float32Array → 'float32', BigInt64Array → 'int64', ...). */
  type?: 'float32' | 'int64' | 'int32' | 'uint8' | 'float64';
  /**
   * The caller lends the array for the run: a worker session moves its buffer instead of copying it, and
   * after the run puts the array (moved back) in `data` again, so its memory can be reused.
   */
  transfer?: boolean;
}

export interface OutputTensor {
  data: TensorData;
  dims: number[];
}

export interface SessionOptions {
  /** 'cpu' | 'webgpu' | 'cuda' | 'tensorrt'; a trailing '!' means strict. Default DEFAULTS.device. */
  device?: string;
  /** Fail with DEVICE_UNAVAILABLE instead of falling back to cpu. */
  strict?: boolean;
  /** Intra-op threads; default (absent or 0): config intraOpThreads(), the machine's cores. */
  intraOpThreads?: number;
  /**
   * Whether idle intra-op threads spin-wait for work (onnxruntime's default: yes). Off lets other
   * threads of the process (the tile stages) use the cores between the model's parallel sections.
   */
  spinning?: boolean;
  /** Graph optimization level (default 'all'). */
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Receives fallback warnings; default writes them to stderr. */
  onWarning?: (message: string) => void;
}

export interface OnnxSession {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** The execution provider actually used. */
  device: Device;
  /** The device that was asked for (before any fallback). */
  requestedDevice: Device;
  /** The model's metadata_props (Ultralytics writes names, imgsz, stride, task, ...). */
  metadata: Record<string, string>;
  /** A label for messages: the file name, or '<bytes>'. */
  name: string;
  /** The intra-op thread count the session was created with (a pool: all its sessions' together). */
  intraOpThreads: number;
  /** Sessions running at once (model/session-pool); absent: one. */
  sessions?: number;
  /**
   * `after`: work on the outputs the caller asks for (model/after-run.ts); a worker session does it in
   * its thread and sets its result there, a session on the calling thread leaves it to the caller.
   */
  run(feeds: Record<string, FeedTensor>, signal?: AbortSignal, after?: AfterRun): Promise<Record<string, OutputTensor>>;
  dispose(): Promise<void>;
}

/** Parses 'webgpu!' → {device: 'webgpu', strict: true}; unknown names → BAD_INPUT. */
export function parseDevice(spec: string): { device: Device; strict: boolean } {
  if (typeof spec !== 'string' || spec.length === 0) {
    throw new EngineError('BAD_INPUT', `device: got ${JSON.stringify(spec)}, expected one of ${DEVICES.join(', ')} (optionally with a trailing '!')`);
  }
  const strict = spec.endsWith('!');
  const name = (strict ? spec.slice(0, -1) : spec).trim().toLowerCase();
  if (!(DEVICES as readonly string[]).includes(name)) {
    throw new EngineError(
      'BAD_INPUT',
      `unknown device '${spec}': expected one of ${DEVICES.join(', ')} (a trailing '!' fails instead of falling back to cpu)`,
    );
  }
  return { device: name as Device, strict };
}

/** The execution providers this onnxruntime-node build knows, and whether their binaries are bundled. */
export function supportedDevices(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

function tensorInfo(m: ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!m.isTensor) return { name: m.name, dims: [], type: 'non-tensor' };
  return { name: m.name, dims: [...m.shape], type: m.type };
}

function typeOf(data: TensorData): FeedTensor['type'] {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float64Array) return 'float64';
  return 'uint8';
}

async function loadBytes(model: string | Uint8Array): Promise<{ bytes: Uint8Array; name: string }> {
  if (model instanceof Uint8Array) return { bytes: model, name: '<bytes>' };
  if (typeof model !== 'string' || model.length === 0) {
    throw new EngineError('BAD_INPUT', `model: got ${typeof model}, expected a file path or the model's bytes`);
  }
  // A regular file of at most 2 GiB (protobuf's limit): /dev/zero or a FIFO is refused at once.
  return { bytes: await readInputFile(model, { maxBytes: MAX_MODEL_BYTES, what: 'model', code: 'BAD_MODEL' }), name: path.basename(model) };
}

export async function openSession(model: string | Uint8Array, options: SessionOptions = {}): Promise<OnnxSession> {
  const parsed = parseDevice(options.device ?? DEFAULTS.device);
  const strict = parsed.strict || options.strict === true;
  const requested = parsed.device;
  if (options.intraOpThreads !== undefined && !(Number.isInteger(options.intraOpThreads) && options.intraOpThreads >= 0)) {
    throw new EngineError('BAD_INPUT', `intraOpThreads: got ${options.intraOpThreads}, expected an integer ≥ 0`);
  }
  const threads = intraOpThreads(options.intraOpThreads);
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const { bytes, name } = await loadBytes(model);

  let metadata: Record<string, string>;
  try {
    metadata = readOnnxMetadata(bytes);
  } catch (err) {
    throw new EngineError('BAD_MODEL', `${name} is not an ONNX model (${(err as Error).message})`);
  }

  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.graphOptimization ?? 'all',
    logSeverityLevel: 3,
    intraOpNumThreads: threads,
    ...(options.spinning === undefined ? {} : { extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } } }),
  };

  let session: ort.InferenceSession | undefined;
  let device: Device = requested;
  if (requested !== 'cpu') {
    try {
      // Quieter logs for the attempt: we report the failure ourselves.
      session = await ort.InferenceSession.create(bytes, { ...base, logSeverityLevel: 4, executionProviders: [requested] });
    } catch (err) {
      const why = firstLine((err as Error).message);
      if (isModelError(why)) throw new EngineError('BAD_MODEL', `cannot load ${name}: ${why}`);
      const hint = requested === 'webgpu'
        ? 'no usable WebGPU adapter (needs a Vulkan driver on Linux)'
        : `onnxruntime-node's ${requested.toUpperCase()} binaries are not installed (see README "gpu")`;
      if (strict) {
        throw new EngineError('DEVICE_UNAVAILABLE', `device '${requested}' is unavailable: ${hint}: ${why}`, { requested });
      }
      warn(`device '${requested}' is unavailable (${hint}); falling back to cpu. Use '${requested}!' to fail instead.`);
      device = 'cpu';
    }
  }
  if (!session) {
    try {
      session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
    } catch (err) {
      throw new EngineError('BAD_MODEL', `cannot load ${name}: ${firstLine((err as Error).message)}`);
    }
  }

  const s = session;
  let disposed = false;
  return {
    inputs: s.inputMetadata.map(tensorInfo),
    outputs: s.outputMetadata.map(tensorInfo),
    device,
    requestedDevice: requested,
    metadata,
    name,
    intraOpThreads: threads,
    async run(feeds, signal) {
      throwIfAborted(signal);
      if (disposed) throw new EngineError('INTERNAL', `session for ${name} was disposed`);
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) {
        ortFeeds[k] = new ort.Tensor(v.type ?? typeOf(v.data)!, v.data as Float32Array, v.dims);
      }
      let out: ort.InferenceSession.ReturnType;
      try {
        out = await s.run(ortFeeds);
      } catch (err) {
        throw new EngineError('BAD_INPUT', `running ${name} failed: ${firstLine((err as Error).message)}`);
      }
      throwIfAborted(signal);
      const result: Record<string, OutputTensor> = {};
      for (const [k, t] of Object.entries(out)) {
        result[k] = { data: t.data as TensorData, dims: [...t.dims] };
      }
      return result;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await s.release();
    },
  };
}

function firstLine(s: string): string {
  return String(s).split('\n')[0].slice(0, 400);
}

function isModelError(message: string): boolean {
  return /protobuf parsing failed|Load model|ModelProto|invalid model|Invalid model|INVALID_GRAPH|INVALID_PROTOBUF/i.test(message);
}
