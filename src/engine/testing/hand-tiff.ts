/**
 * A small hand TIFF writer for hostile-input tests: classic little-endian TIFF whose tags say whatever
 * the test wants (sizes no real writer would produce, IFD chains that loop, block tables that lie),
 * which GDAL refuses to write. Not for valid rasters: those come from GDAL (write-geotiff.ts).
 */
import { deflateSync } from 'node:zlib';

export interface HandIfd {
  width: number;
  height: number;
  /** Tile size; omit for strips (rowsPerStrip). */
  tile?: [number, number];
  rowsPerStrip?: number;
  samples?: number;
  bits?: number;
  /** 1 none, 8 DEFLATE. */
  compression?: number;
  photometric?: number;
  /** Block payloads; their offsets and byte counts are filled in. */
  blocks?: Uint8Array[];
  /** Override the block table: [offset, count] pairs as written (may lie). */
  blockTable?: Array<[number, number]>;
  /** Extra tags: [tag, type (3 SHORT, 4 LONG, 12 DOUBLE), values]. */
  extra?: Array<[number, number, number[]]>;
}

export interface HandTiffOptions {
  /** Where the last IFD's next-IFD offset points: 0 (end), 'self', or 'first' (a loop). */
  next?: 0 | 'self' | 'first';
}

const TYPE_SIZE: Record<number, number> = { 3: 2, 4: 4, 12: 8 };

/** Builds the TIFF bytes for a chain of IFDs. */
export function handTiff(ifds: HandIfd[], options: HandTiffOptions = {}): Uint8Array {
  const parts: Buffer[] = [];
  let pos = 8;
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  parts.push(header);
  const ifdOffsets: number[] = [];
  const patches: Array<{ buf: Buffer; at: number; ifd: number }> = [];
  for (const [k, d] of ifds.entries()) {
    // block payloads first
    const table: Array<[number, number]> = [];
    for (const b of d.blocks ?? []) {
      table.push([pos, b.byteLength]);
      parts.push(Buffer.from(b));
      pos += b.byteLength;
      if (pos % 2) { parts.push(Buffer.alloc(1)); pos++; }
    }
    const blockTable = d.blockTable ?? table;
    const spp = d.samples ?? 1;
    const tiled = !!d.tile;
    const tags: Array<[number, number, number[]]> = [
      [256, 4, [d.width]], [257, 4, [d.height]], [258, 3, Array(spp).fill(d.bits ?? 8)], [259, 3, [d.compression ?? 1]],
      [262, 3, [d.photometric ?? (spp >= 3 ? 2 : 1)]], [277, 3, [spp]], [284, 3, [1]],
      ...(tiled
        ? [[322, 4, [d.tile![0]]], [323, 4, [d.tile![1]]], [324, 4, blockTable.map((b) => b[0])], [325, 4, blockTable.map((b) => b[1])]] as Array<[number, number, number[]]>
        : [[273, 4, blockTable.map((b) => b[0])], [278, 4, [d.rowsPerStrip ?? d.height]], [279, 4, blockTable.map((b) => b[1])]] as Array<[number, number, number[]]>),
      [339, 3, Array(spp).fill(1)],
      ...(d.extra ?? []),
    ];
    tags.sort((a, b) => a[0] - b[0]);
    // out-of-line values after the IFD
    const ifdSize = 2 + tags.length * 12 + 4;
    const ifdPos = pos;
    ifdOffsets.push(ifdPos);
    const ifd = Buffer.alloc(ifdSize);
    ifd.writeUInt16LE(tags.length, 0);
    let extraPos = ifdPos + ifdSize;
    const extras: Buffer[] = [];
    tags.forEach(([tag, type, values], i) => {
      const at = 2 + i * 12;
      ifd.writeUInt16LE(tag, at);
      ifd.writeUInt16LE(type, at + 2);
      ifd.writeUInt32LE(values.length, at + 4);
      const size = TYPE_SIZE[type] * values.length;
      const buf = Buffer.alloc(size);
      values.forEach((v, j) => {
        if (type === 3) buf.writeUInt16LE(v, j * 2);
        else if (type === 4) buf.writeUInt32LE(v >>> 0, j * 4);
        else buf.writeDoubleLE(v, j * 8);
      });
      if (size <= 4) buf.copy(ifd, at + 8);
      else {
        ifd.writeUInt32LE(extraPos, at + 8);
        extras.push(buf);
        extraPos += size;
      }
    });
    patches.push({ buf: ifd, at: ifdSize - 4, ifd: k });
    parts.push(ifd, ...extras);
    pos = extraPos;
    if (pos % 2) { parts.push(Buffer.alloc(1)); pos++; }
  }
  header.writeUInt32LE(ifdOffsets[0], 4);
  for (const p of patches) {
    let next = p.ifd + 1 < ifdOffsets.length ? ifdOffsets[p.ifd + 1] : 0;
    if (p.ifd === ifdOffsets.length - 1) {
      if (options.next === 'self') next = ifdOffsets[p.ifd];
      else if (options.next === 'first') next = ifdOffsets[0];
    }
    p.buf.writeUInt32LE(next, p.at);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** One DEFLATE block of `bytes` zero bytes (compresses ~1000:1). */
export function deflatedZeros(bytes: number): Uint8Array {
  return new Uint8Array(deflateSync(Buffer.alloc(bytes), { level: 9 }));
}
