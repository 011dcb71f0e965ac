/**
 * CLIP crop embeddings of one tile: which detections were embedded (masks under the minimum area are
 * not) and their L2-normalized embeddings, row-major [n, dim]. Binary: "FSGE" | u32 version | u32 n |
 * u32 dim | i32 indices[n] | f32 embeds[n·dim] (little-endian).
 */
import { EngineError } from '../errors.js';

export interface CropEmbeddings {
  indices: Int32Array;
  embeds: Float32Array;
  dim: number;
}

const MAGIC = 0x45475346; // "FSGE"

export function encodeEmbeddings(e: CropEmbeddings): Uint8Array {
  const n = e.indices.length;
  const out = new Uint8Array(16 + 4 * n + 4 * n * e.dim);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, n, true);
  dv.setUint32(12, e.dim, true);
  for (let i = 0; i < n; i++) dv.setInt32(16 + 4 * i, e.indices[i], true);
  const base = 16 + 4 * n;
  for (let i = 0; i < n * e.dim; i++) dv.setFloat32(base + 4 * i, e.embeds[i], true);
  return out;
}

export function decodeEmbeddings(bytes: Uint8Array): CropEmbeddings {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16 || dv.getUint32(0, true) !== MAGIC || dv.getUint32(4, true) !== 1) {
    throw new EngineError('BAD_INPUT', 'not a fastsam-geo embedding cache file');
  }
  const n = dv.getUint32(8, true);
  const dim = dv.getUint32(12, true);
  if (bytes.length !== 16 + 4 * n + 4 * n * dim) throw new EngineError('BAD_INPUT', 'truncated embedding cache file');
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = dv.getInt32(16 + 4 * i, true);
  const embeds = new Float32Array(n * dim);
  const base = 16 + 4 * n;
  for (let i = 0; i < n * dim; i++) embeds[i] = dv.getFloat32(base + 4 * i, true);
  return { indices, embeds, dim };
}
