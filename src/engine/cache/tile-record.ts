/**
 * One stored record on disk, self-checking:
 *
 *   magic | u32 record version | u32 payload length | sha256(name + payload) (32 bytes) | payload
 *
 * A tile record ("FSGT") is named by its window and holds the mask codec's encoding of the tile's
 * SegmentResult (cache/mask-codec.ts); a row record ("FSGW", cache/row-output.ts) is named by its row
 * key. The checksum covers the name too, so a record renamed or copied onto another tile or row is
 * refused. Anything that does not check out (zero length, truncated, a flipped bit, another version)
 * decodes to a problem: the caller recomputes, a bad record is never trusted.
 */
import { createHash } from 'node:crypto';
import type { PixelWindow } from '../raster/open.js';
import type { SegmentResult } from '../types.js';
import { decodeSegmentResult, encodeSegmentResult } from './mask-codec.js';

const TILE_MAGIC = 0x54475346; // "FSGT" little-endian
export const ROW_MAGIC = 0x57475346; // "FSGW"
/** Bump when the payload's meaning changes (decode conventions, codec): older records are recomputed. */
export const RECORD_VERSION = 1;
const HEADER = 12 + 32;

function digest(name: string, payload: Uint8Array): Buffer {
  return createHash('sha256').update(name).update(payload).digest();
}

export function sealRecord(magic: number, name: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, magic, true);
  dv.setUint32(4, RECORD_VERSION, true);
  dv.setUint32(8, payload.length, true);
  out.set(digest(name, payload), 12);
  out.set(payload, HEADER);
  return out;
}

/** The checksum of a sealed record (hex): names its content. */
export function recordDigest(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + 12, 32).toString('hex');
}

export type RecordProblem = 'empty' | 'truncated' | 'magic' | 'version' | 'checksum' | 'payload';

/** The payload, or why the record is not usable. */
export function openRecord(magic: number, name: string, bytes: Uint8Array): { payload: Uint8Array } | { problem: RecordProblem } {
  if (bytes.length === 0) return { problem: 'empty' };
  if (bytes.length < HEADER) return { problem: 'truncated' };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== magic) return { problem: 'magic' };
  if (dv.getUint32(4, true) !== RECORD_VERSION) return { problem: 'version' };
  const n = dv.getUint32(8, true);
  if (bytes.length !== HEADER + n) return { problem: 'truncated' };
  const payload = bytes.subarray(HEADER);
  if (!digest(name, payload).equals(bytes.subarray(12, HEADER))) return { problem: 'checksum' };
  return { payload };
}

export function encodeTileRecord(window: PixelWindow, result: SegmentResult): Uint8Array {
  return sealRecord(TILE_MAGIC, window.join(','), encodeSegmentResult(result));
}

/** The record's checksum (hex) when it checks out for this window, without decoding its masks. */
export function checkTileRecord(window: PixelWindow, bytes: Uint8Array): string | null {
  return 'problem' in openRecord(TILE_MAGIC, window.join(','), bytes) ? null : recordDigest(bytes);
}

/** The result, or why the record is not usable. */
export function decodeTileRecord(window: PixelWindow, bytes: Uint8Array): { result: SegmentResult } | { problem: RecordProblem } {
  const r = openRecord(TILE_MAGIC, window.join(','), bytes);
  if ('problem' in r) return r;
  try {
    return { result: decodeSegmentResult(r.payload) };
  } catch {
    return { problem: 'payload' };
  }
}
