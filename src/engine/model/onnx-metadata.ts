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

export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const meta: Record<string, string> = {};
  let pos = 0;
  let hasIr = false;
  let hasGraph = false;
  while (pos < bytes.length) {
    let tag: number;
    [tag, pos] = readVarint(bytes, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new Error('field number 0');
    if (wire === 0) {
      [, pos] = readVarint(bytes, pos);
      if (field === 1) hasIr = true;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 2) {
      let len: number;
      [len, pos] = readVarint(bytes, pos);
      if (pos + len > bytes.length) throw new Error('truncated field');
      if (field === 7) hasGraph = true;
      if (field === 14) {
        const [k, v] = readEntry(bytes.subarray(pos, pos + len));
        meta[k] = v;
      }
      pos += len;
    } else {
      throw new Error(`unexpected protobuf wire type ${wire}`);
    }
    if (pos > bytes.length) throw new Error('truncated field');
  }
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
    const size = st.size;
    const head = new Uint8Array(20);
    const meta: Record<string, string> = {};
    let pos = 0;
    for (let fields = 0; pos < size; fields++) {
      if (fields > 10000) return null;
      const got = readSync(fd, head, 0, head.length, pos);
      const buf = head.subarray(0, got);
      const [tag, p1] = readVarint(buf, 0);
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 0) return null;
      let next: number;
      if (wire === 0) next = pos + readVarint(buf, p1)[1];
      else if (wire === 1) next = pos + p1 + 8;
      else if (wire === 5) next = pos + p1 + 4;
      else if (wire === 2) {
        const [len, p2] = readVarint(buf, p1);
        next = pos + p2 + len;
        if (next > size) return null;
        if (field === 14 && len <= MAX_ENTRY_BYTES) {
          const entry = new Uint8Array(len);
          if (readSync(fd, entry, 0, len, pos + p2) !== len) return null;
          const [k, v] = readEntry(entry);
          meta[k] = v;
        }
      } else return null;
      pos = next;
    }
    return meta;
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
