/**
 * Reads a PyTorch checkpoint (torch.save's zip format: `<archive>/data.pkl` + one file per storage in
 * `<archive>/data/<key>`) without Python: the pickle is parsed by pickleparser (the only importer),
 * Python classes it does not know are kept as plain objects carrying their `__module__`/`__name__`
 * and their `__dict__` (so an nn.Module is an object with `_modules`, `_parameters`, `_buffers`),
 * OrderedDicts become plain objects, and tensors are rebuilt from their storages as Tensor values
 * (float16 / bfloat16 / float32 / float64 / integer storages decoded to typed arrays).
 * Nothing in the pickle is executed: only the handful of torch rebuild functions below are called.
 */
import { inflateRawSync } from 'node:zlib';
import { Parser, NameRegistry } from 'pickleparser';
import { EngineError } from '../errors.js';

export type DType = 'float16' | 'bfloat16' | 'float32' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A tensor from the checkpoint: contiguous values (decoded to float32 for floating types). */
export interface Tensor {
  readonly __tensor__: true;
  dtype: DType;
  shape: number[];
  /** float types → Float32Array (float64 → Float64Array); int64 → BigInt64Array; others their typed array. */
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;
}

export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as Tensor).__tensor__ === true;
}

/** The Python class of an unpickled object (`ultralytics.nn.modules.conv.Conv`), or undefined. */
export function pyClass(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as { __module__?: unknown; __name__?: unknown };
  return typeof o.__module__ === 'string' && typeof o.__name__ === 'string' ? `${o.__module__}.${o.__name__}` : undefined;
}

// ---- zip ------------------------------------------------------------------------------------------

interface ZipEntry { name: string; method: number; compressedSize: number; size: number; localOffset: number }

function readZipEntries(buf: Buffer): Map<string, ZipEntry> {
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new EngineError('BAD_MODEL', 'checkpoint: not a zip file (torch.save writes a zip since PyTorch 1.6; older pickles are not supported)');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    // ZIP64: locator 20 bytes before the EOCD points at the ZIP64 EOCD record.
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw new EngineError('BAD_MODEL', 'checkpoint: broken ZIP64 directory');
    const rec = Number(buf.readBigUInt64LE(loc + 8));
    count = Number(buf.readBigUInt64LE(rec + 32));
    cdOffset = Number(buf.readBigUInt64LE(rec + 48));
  }
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new EngineError('BAD_MODEL', 'checkpoint: broken zip central directory');
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // ZIP64 extended information (header id 1): the 0xffffffff fields, in order.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        if (size === 0xffffffff) { size = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (localOffset === 0xffffffff) { localOffset = Number(buf.readBigUInt64LE(q)); }
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, size, localOffset });
    p = eEnd + commentLen;
  }
  return entries;
}

function zipRead(buf: Buffer, e: ZipEntry): Buffer {
  const h = e.localOffset;
  if (buf.readUInt32LE(h) !== 0x04034b50) throw new EngineError('BAD_MODEL', `checkpoint: broken zip entry ${e.name}`);
  const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
  const raw = buf.subarray(start, start + e.compressedSize);
  if (e.method === 0) return raw;
  if (e.method === 8) return inflateRawSync(raw);
  throw new EngineError('BAD_MODEL', `checkpoint: zip entry ${e.name} uses compression method ${e.method}, expected stored or deflate`);
}

// ---- storages and tensors ------------------------------------------------------------------------

const STORAGE_DTYPES: Record<string, DType> = {
  HalfStorage: 'float16', BFloat16Storage: 'bfloat16', FloatStorage: 'float32', DoubleStorage: 'float64',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};
const ITEM_SIZE: Record<DType, number> = { float16: 2, bfloat16: 2, float32: 4, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

/** IEEE half → float (exact). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

interface Storage { dtype: DType; bytes: Buffer }

function decodeElements(st: Storage, offset: number, count: number): Tensor['data'] {
  const sz = ITEM_SIZE[st.dtype];
  const b = st.bytes;
  if ((offset + count) * sz > b.length) throw new EngineError('BAD_MODEL', `checkpoint: a tensor reads past its storage (${(offset + count) * sz} > ${b.length} bytes)`);
  const at = offset * sz;
  // Copy into an aligned buffer, then view (little-endian hosts; torch writes little-endian).
  const bytes = new Uint8Array(count * sz);
  bytes.set(b.subarray(at, at + count * sz));
  switch (st.dtype) {
    case 'float16': {
      const u = new Uint16Array(bytes.buffer);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(u[i]);
      return out;
    }
    case 'bfloat16': {
      const u = new Uint16Array(bytes.buffer);
      const out = new Float32Array(count);
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u32[i] = u[i] << 16;
      return out;
    }
    case 'float32': return new Float32Array(bytes.buffer);
    case 'float64': return new Float64Array(bytes.buffer);
    case 'int64': return new BigInt64Array(bytes.buffer);
    case 'int32': return new Int32Array(bytes.buffer);
    case 'int16': return new Int16Array(bytes.buffer);
    case 'int8': return new Int8Array(bytes.buffer);
    default: return bytes;
  }
}

function rebuildTensor(storage: Storage, offset: number, size: number[], stride: number[]): Tensor {
  const shape = (size ?? []).map(Number);
  const numel = shape.reduce((a, b) => a * b, 1);
  // Contiguous (row-major) strides: read in one go; otherwise gather element by element.
  let contiguous = true;
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && Number(stride[d]) !== expect) contiguous = false;
    expect *= shape[d];
  }
  if (contiguous || numel === 0) return { __tensor__: true, dtype: storage.dtype, shape, data: decodeElements(storage, offset, numel) };
  const all = decodeElements(storage, 0, storage.bytes.length / ITEM_SIZE[storage.dtype]);
  const out = new (all.constructor as new (n: number) => Tensor['data'])(numel);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < numel; i++) {
    let src = offset;
    for (let d = 0; d < shape.length; d++) src += idx[d] * Number(stride[d]);
    (out as unknown as number[])[i] = (all as unknown as number[])[src];
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return { __tensor__: true, dtype: storage.dtype, shape, data: out };
}

/**
 * Parses a torch.save zip checkpoint. Returns the unpickled object (for Ultralytics: a dict with
 * `model` / `ema` being the module tree).
 */
export function readCheckpoint(bytes: Uint8Array): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = readZipEntries(buf);
  const pklName = [...entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pklName) throw new EngineError('BAD_MODEL', 'checkpoint: no <archive>/data.pkl in the zip: not a torch.save checkpoint');
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const storages = new Map<string, Storage>();

  const registry = new NameRegistry();
  const orderedDict = function (this: unknown) { return {}; };
  registry.register('collections', 'OrderedDict', orderedDict);
  const rebuildV2 = (storage: Storage, offset: number, size: number[], stride: number[]) => rebuildTensor(storage, Number(offset), size, stride);
  registry.register('torch._utils', '_rebuild_tensor_v2', rebuildV2);
  registry.register('torch._utils', '_rebuild_tensor', rebuildV2);
  registry.register('torch._utils', '_rebuild_parameter', (t: Tensor) => t);
  registry.register('torch._utils', '_rebuild_parameter_with_state', (t: Tensor) => t);

  const parser = new Parser({
    nameResolver: registry,
    unpicklingTypeOfDictionary: 'object',
    persistentResolver: {
      // ('storage', storage_type, key, location, numel): storage_type is the class torch.HalfStorage & co
      // (torch 1.6 to 2.x all write the typed class name here).
      resolve(pid: unknown) {
        if (!Array.isArray(pid) || pid[0] !== 'storage') throw new EngineError('BAD_MODEL', `checkpoint: unexpected persistent id ${JSON.stringify(pid)}`);
        const [, type, key] = pid as [string, { prototype?: { __name__?: string } }, string];
        const cached = storages.get(key);
        if (cached) return cached;
        const typeName = type?.prototype?.__name__ ?? '';
        const dtype: DType | undefined = STORAGE_DTYPES[typeName] ?? (typeName === 'UntypedStorage' ? 'uint8' : undefined);
        if (!dtype) throw new EngineError('BAD_MODEL', `checkpoint: storage type ${typeName || JSON.stringify(type)} is not supported`);
        const e = entries.get(`${prefix}data/${key}`);
        if (!e) throw new EngineError('BAD_MODEL', `checkpoint: storage ${key} is missing from the zip`);
        const st: Storage = { dtype, bytes: zipRead(buf, e) };
        storages.set(key, st);
        return st;
      },
    },
  });
  try {
    return parser.parse(zipRead(buf, entries.get(pklName)!));
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError('BAD_MODEL', `checkpoint: cannot read ${pklName}: ${(err as Error).message}`);
  }
}
