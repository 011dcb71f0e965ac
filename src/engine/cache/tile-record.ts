/**
 * One stored tile result on disk, self-checking:
 *
 *   "FSGT" | u32 record version | u32 payload length | sha256(window + payload) (32 bytes) | payload
 *
 * The payload is the mask codec's encoding of the SegmentResult (cache/mask-codec.ts). The checksum
 * covers the tile window too, so a record renamed or copied onto another tile is refused. Anything
 * that does not check out (zero length, truncated, a flipped bit, another version) decodes to null:
 * the caller recomputes the tile, a bad record is never trusted.
 */
import { createHash } from 'node:crypto';
import type { PixelWindow } from '../raster/open.js';
import type { SegmentResult } from '../types.js';
import { decodeSegmentResult, encodeSegmentResult } from './mask-codec.js';

const MAGIC = 0x54475346; // "FSGT" little-endian
/** Bump when the payload's meaning changes (decode conventions, codec): older records are recomputed. */
export const RECORD_VERSION = 1;
const HEADER = 12 + 32;

function digest(window: PixelWindow, payload: Uint8Array): Buffer {
  return createHash('sha256').update(window.join(',')).update(payload).digest();
}

export function encodeTileRecord(window: PixelWindow, result: SegmentResult): Uint8Array {
  const payload = encodeSegmentResult(result);
  const out = new Uint8Array(HEADER + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, RECORD_VERSION, true);
  dv.setUint32(8, payload.length, true);
  out.set(digest(window, payload), 12);
  out.set(payload, HEADER);
  return out;
}

export type RecordProblem = 'empty' | 'truncated' | 'magic' | 'version' | 'checksum' | 'payload';

/** The result, or why the record is not usable. */
export function decodeTileRecord(window: PixelWindow, bytes: Uint8Array): { result: SegmentResult } | { problem: RecordProblem } {
  if (bytes.length === 0) return { problem: 'empty' };
  if (bytes.length < HEADER) return { problem: 'truncated' };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) return { problem: 'magic' };
  if (dv.getUint32(4, true) !== RECORD_VERSION) return { problem: 'version' };
  const n = dv.getUint32(8, true);
  if (bytes.length !== HEADER + n) return { problem: 'truncated' };
  const payload = bytes.subarray(HEADER);
  if (!digest(window, payload).equals(bytes.subarray(12, HEADER))) return { problem: 'checksum' };
  try {
    return { result: decodeSegmentResult(payload) };
  } catch {
    return { problem: 'payload' };
  }
}
