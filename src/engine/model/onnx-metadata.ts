/**
 * Reads an ONNX ModelProto's metadata_props (field 14: key/value strings) without decoding the graph
 * or the weights: a scan over the top-level protobuf fields, skipping the rest. onnxruntime-node does
 * not expose metadata_props; Ultralytics writes its class names, imgsz, stride and task there.
 * Also a cheap "is this ONNX at all?" check: throws unless the bytes parse as a ModelProto with an
 * ir_version and a graph.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i += 1) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [result, pos];
    mul *= 128;
  }
  throw new Error('malformed varint');
}

const decoder = new TextDecoder();

function readEntry(buf: Uint8Array): [string, string] {
  let key = '';
  let value = '';
  let pos = 0;
  while (pos < buf.length) {
    let tag: number;
    [tag, pos] = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire !== 2) throw new Error(`metadata entry: unexpected wire type ${wire}`);
    let len: number;
    [len, pos] = readVarint(buf, pos);
    const s = decoder.decode(buf.subarray(pos, pos + len));
    pos += len;
    if (field === 1) key = s;
    else if (field === 2) value = s;
  }
  return [key, value];
}

/**
 * Walks a ModelProto's top-level fields over `size` bytes, reading only field headers (`at(pos, n)`: up to
 * n bytes from pos) and the metadata entries (field 14, up to `maxEntry` bytes each; `at` then returns
 * the whole entry). Throws on malformed or truncated input, or past `maxFields` fields.
 */
function scanModel(size: number, at: (pos: number, n: number) => Uint8Array, maxEntry: number, maxFields: number): { meta: Record<string, string>; hasIr: boolean; hasGraph: boolean } {
  const meta: Record<string, string> = {};
  let hasIr = false;
  let hasGraph = false;
  for (let pos = 0, fields = 0; pos < size; fields++) {
    if (fields >= maxFields) throw new Error(`more than ${maxFields} top-level fields`);
    const head = at(pos, 20);
    const [tag, p1] = readVarint(head, 0);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new Error('field number 0');
    let next: number;
    if (wire === 0) {
      next = pos + readVarint(head, p1)[1];
      if (field === 1) hasIr = true;
    } else if (wire === 1) {
      next = pos + p1 + 8;
    } else if (wire === 5) {
      next = pos + p1 + 4;
    } else if (wire === 2) {
      const [len, p2] = readVarint(head, p1);
      next = pos + p2 + len;
      if (next > size) throw new Error('truncated field');
      if (field === 7) hasGraph = true;
      if (field === 14 && len <= maxEntry) {
        const [k, v] = readEntry(at(pos + p2, len));
        meta[k] = v;
      }
    } else {
      throw new Error(`unexpected protobuf wire type ${wire}`);
    }
    if (next > size) throw new Error('truncated field');
    pos = next;
  }
  return { meta, hasIr, hasGraph };
}

export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const { meta, hasIr, hasGraph } = scanModel(bytes.length, (pos, n) => bytes.subarray(pos, pos + n), Infinity, Infinity);
  if (!hasIr || !hasGraph) throw new Error('no ir_version or graph: not an ONNX ModelProto');
  return meta;
}

const MAX_ENTRY_BYTES = 1 << 20; // larger entries (none a real export has) are skipped, not read

/**
 * readOnnxMetadata on a file, by positioned reads of the top-level fields' headers (the graph and its
 * weights are skipped, not read): to plan before loading. null when the file cannot be read or parsed
 * (loading it reports why).
 */
export function readOnnxMetadataFromFile(file: string): Record<string, string> | null {
  let fd: number | null = null;
  try {
    // Non-blocking: a FIFO must not hang the open (it is refused just below, as every non-regular file).
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    const handle = fd;
    const at = (pos: number, n: number): Uint8Array => {
      const buf = new Uint8Array(Math.min(n, st.size - pos));
      return buf.subarray(0, readSync(handle, buf, 0, buf.length, pos));
    };
    return scanModel(st.size, at, MAX_ENTRY_BYTES, 10000).meta;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Parses Ultralytics' `names` metadata ("{0: 'person', 1: 'bicycle'}") into an array; undefined if absent/unparseable. */
export function parseUltralyticsNames(s: string | undefined): string[] | undefined {
  if (!s) return undefined;
  const names: string[] = [];
  const re = /(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) names[Number(m[1])] = m[2] ?? m[3];
  if (names.length === 0) return undefined;
  for (let i = 0; i < names.length; i += 1) if (names[i] === undefined) names[i] = String(i);
  return names;
}

/** Parses Ultralytics' `imgsz` metadata ("[640, 640]") into [h, w]; undefined if absent/unparseable. */
export function parseUltralyticsImgsz(s: string | undefined): [number, number] | undefined {
  if (!s) return undefined;
  const nums = s.match(/\d+/g)?.map(Number) ?? [];
  if (nums.length === 1) return [nums[0], nums[0]];
  if (nums.length === 2) return [nums[0], nums[1]];
  return undefined;
}
