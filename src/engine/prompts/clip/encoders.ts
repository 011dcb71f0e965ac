/**
 * CLIP image and text encoders over the engine's onnxruntime gateway (model/session.ts).
 * Accepts the standard exports: a vision model (pixel_values [B,3,S,S] → image_embeds [B,D]) and a
 * text model (input_ids [B,77] int64 or int32, optional attention_mask → text_embeds [B,D]), as in
 * Hugging Face / Xenova's onnx/vision_model.onnx and onnx/text_model.onnx. Names are read from the
 * model: the pixel input is `pixel_values` (else the only float input of rank 4), the embedding output
 * is `image_embeds` / `text_embeds` (else the only rank-2 output); anything else is BAD_MODEL naming
 * what was found. Embeddings are returned L2-normalized.
 */
import { EngineError, throwIfAborted } from '../../errors.js';
import { DEFAULTS } from '../../config.js';
import { openSession, type OnnxSession, type TensorInfo, type SessionOptions } from '../../model/session.js';

export interface ClipVisionEncoder {
  session: OnnxSession;
  inputName: string;
  outputName: string;
  /** Input resolution S (224 for ViT-B/32). */
  imageSize: number;
  /** Fixed batch size of the model, or 0 when dynamic. */
  fixedBatch: number;
  dispose(): Promise<void>;
}

export interface ClipTextEncoder {
  session: OnnxSession;
  idsName: string;
  idsType: 'int64' | 'int32';
  maskName: string | null;
  maskType: 'int64' | 'int32';
  outputName: string;
  contextLength: number;
  fixedBatch: number;
  dispose(): Promise<void>;
}

const describe = (ts: TensorInfo[]) => ts.map((t) => `${t.name} ${t.type} [${t.dims.join(',')}]`).join(', ') || 'none';

function pickOutput(session: OnnxSession, preferred: string, label: string): string {
  if (session.outputs.some((o) => o.name === preferred)) return preferred;
  const rank2 = session.outputs.filter((o) => o.dims.length === 2);
  if (rank2.length === 1) return rank2[0].name;
  throw new EngineError(
    'BAD_MODEL',
    `${session.name} is not a CLIP ${label} model: got outputs ${describe(session.outputs)}, expected ${preferred} [batch, dim]`,
  );
}

const fixed = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : 0);

export async function openClipVision(model: string | Uint8Array, options: SessionOptions = {}): Promise<ClipVisionEncoder> {
  const session = await openSession(model, options);
  try {
    const input = session.inputs.find((i) => i.name === 'pixel_values')
      ?? (session.inputs.length === 1 && session.inputs[0].dims.length === 4 ? session.inputs[0] : undefined);
    if (!input || input.dims.length !== 4 || (typeof input.dims[1] === 'number' && input.dims[1] !== 3)) {
      throw new EngineError(
        'BAD_MODEL',
        `${session.name} is not a CLIP vision model: got inputs ${describe(session.inputs)}, expected pixel_values float32 [batch, 3, 224, 224]`,
      );
    }
    const h = fixed(input.dims[2]);
    const w = fixed(input.dims[3]);
    if (h !== w) throw new EngineError('BAD_MODEL', `${session.name}: got input ${h}×${w}, expected a square input`);
    return {
      session,
      inputName: input.name,
      outputName: pickOutput(session, 'image_embeds', 'vision'),
      imageSize: h || DEFAULTS.clip.imageSize,
      fixedBatch: fixed(input.dims[0]),
      dispose: () => session.dispose(),
    };
  } catch (err) {
    await session.dispose();
    throw err;
  }
}

export async function openClipText(model: string | Uint8Array, options: SessionOptions = {}): Promise<ClipTextEncoder> {
  const session = await openSession(model, options);
  try {
    const ids = session.inputs.find((i) => i.name === 'input_ids')
      ?? (session.inputs.length === 1 && session.inputs[0].dims.length === 2 ? session.inputs[0] : undefined);
    if (!ids || ids.dims.length !== 2 || !['int64', 'int32'].includes(ids.type)) {
      throw new EngineError(
        'BAD_MODEL',
        `${session.name} is not a CLIP text model: got inputs ${describe(session.inputs)}, expected input_ids int64 [batch, 77]`,
      );
    }
    const mask = session.inputs.find((i) => i.name === 'attention_mask') ?? null;
    const extra = session.inputs.filter((i) => i !== ids && i !== mask);
    if (extra.length) {
      throw new EngineError('BAD_MODEL', `${session.name}: unexpected inputs ${describe(extra)} (a CLIP text model takes input_ids and optionally attention_mask)`);
    }
    return {
      session,
      idsName: ids.name,
      idsType: ids.type as 'int64' | 'int32',
      maskName: mask?.name ?? null,
      maskType: mask?.type === 'int32' ? 'int32' : 'int64',
      outputName: pickOutput(session, 'text_embeds', 'text'),
      contextLength: fixed(ids.dims[1]) || DEFAULTS.clip.contextLength,
      fixedBatch: fixed(ids.dims[0]),
      dispose: () => session.dispose(),
    };
  } catch (err) {
    await session.dispose();
    throw err;
  }
}

/** L2-normalizes each row of an [n, dim] matrix in place (a zero row stays zero). */
export function normalizeRows(m: Float32Array, dim: number): Float32Array {
  for (let r = 0; r < m.length / dim; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += m[r * dim + k] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) m[r * dim + k] *= inv;
  }
  return m;
}

async function runRows(
  session: OnnxSession,
  outputName: string,
  feeds: Record<string, { data: Float32Array | BigInt64Array | Int32Array; dims: number[] }>,
  rows: number,
  signal?: AbortSignal,
): Promise<{ data: Float32Array; dim: number }> {
  const out = await session.run(feeds, signal);
  const t = out[outputName];
  if (!t || t.dims.length !== 2 || t.dims[0] !== rows || !(t.data instanceof Float32Array)) {
    throw new EngineError('BAD_MODEL', `${session.name}: got ${outputName} [${t?.dims.join(',')}], expected float32 [${rows}, dim]`);
  }
  return { data: t.data, dim: t.dims[1] };
}

/**
 * Image embeddings of preprocessed crops (planar float32, n × 3 × S × S), in batches of `batchSize`
 * (1 for models with a fixed batch of 1). Returns L2-normalized [n, dim].
 */
export async function encodeImages(
  enc: ClipVisionEncoder,
  pixels: Float32Array,
  n: number,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<{ embeds: Float32Array; dim: number }> {
  const S = enc.imageSize;
  const per = 3 * S * S;
  if (pixels.length !== n * per) {
    throw new EngineError('BAD_INPUT', `encodeImages: got ${pixels.length} values, expected ${n}×3×${S}×${S}`);
  }
  const batch = enc.fixedBatch || Math.max(1, options.batchSize ?? DEFAULTS.clip.batchSize);
  let embeds: Float32Array | null = null;
  let dim = 0;
  for (let start = 0; start < n; start += batch) {
    throwIfAborted(options.signal);
    const count = Math.min(batch, n - start);
    // A fixed-batch model gets a full batch (zero-padded); only the first `count` rows are kept.
    const rows = enc.fixedBatch || count;
    const data = new Float32Array(rows * per);
    data.set(pixels.subarray(start * per, (start + count) * per));
    const r = await runRows(enc.session, enc.outputName, { [enc.inputName]: { data, dims: [rows, 3, S, S] } }, rows, options.signal);
    if (!embeds) {
      dim = r.dim;
      embeds = new Float32Array(n * dim);
    }
    embeds.set(r.data.subarray(0, count * dim), start * dim);
  }
  return { embeds: normalizeRows(embeds ?? new Float32Array(0), dim), dim };
}

/** Text embedding (L2-normalized) of one token sequence (clip.tokenize output, padded with 0). */
export async function encodeTokens(enc: ClipTextEncoder, ids: number[], signal?: AbortSignal): Promise<Float32Array> {
  if (ids.length !== enc.contextLength) {
    throw new EngineError('BAD_INPUT', `encodeTokens: got ${ids.length} ids, expected ${enc.contextLength}`);
  }
  const rows = enc.fixedBatch || 1;
  const n = rows * enc.contextLength;
  const idsData = enc.idsType === 'int64' ? new BigInt64Array(n) : new Int32Array(n);
  ids.forEach((v, i) => (idsData[i] = (enc.idsType === 'int64' ? BigInt(v) : v) as never));
  const feeds: Record<string, { data: BigInt64Array | Int32Array; dims: number[] }> = {
    [enc.idsName]: { data: idsData, dims: [rows, enc.contextLength] },
  };
  if (enc.maskName) {
    // 1 up to and including EOT (the last non-zero id), 0 on the padding.
    let last = ids.length - 1;
    while (last > 0 && ids[last] === 0) last--;
    const mask = enc.maskType === 'int64' ? new BigInt64Array(n) : new Int32Array(n);
    for (let i = 0; i <= last; i++) mask[i] = (enc.maskType === 'int64' ? 1n : 1) as never;
    feeds[enc.maskName] = { data: mask, dims: [rows, enc.contextLength] };
  }
  const r = await runRows(enc.session, enc.outputName, feeds, rows, signal);
  return normalizeRows(r.data.slice(0, r.dim), r.dim);
}
