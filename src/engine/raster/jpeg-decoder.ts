/**
 * JPEG-in-TIFF blocks (compression 7) decoded by libjpeg through sharp (image/io), registered with
 * geotiff.js in raster/open. geotiff.js's own decoder returned raw Y/Cb/Cr for YCbCr JPEG orthophotos
 * (GDAL reads 254,0,0 where it gave 76,85,255) and, through readRGB, upsampled chroma differently from
 * GDAL (up to 76 levels off at colour edges). libjpeg converts to RGB with the same fancy upsampling
 * GDAL's libjpeg uses, so the engine reads what GDAL reads.
 */
import { decodeJpegRaw } from '../image/io.js';

export interface JpegBlockParameters {
  tileWidth: number;
  tileHeight: number;
  /** The TIFF's JPEGTables tag (SOI, tables, EOI), shared by every block. */
  JPEGTables?: Uint8Array;
}

/** One block's JPEG stream with the shared tables spliced in after its SOI. */
export function spliceTables(block: Uint8Array, tables?: Uint8Array): Uint8Array {
  if (!tables || tables.length < 4) return block;
  const t = tables[tables.length - 2] === 0xff && tables[tables.length - 1] === 0xd9 ? tables.subarray(0, tables.length - 2) : tables;
  const b = block[0] === 0xff && block[1] === 0xd8 ? block.subarray(2) : block;
  const out = new Uint8Array(t.length + b.length);
  out.set(t, 0);
  out.set(b, t.length);
  return out;
}

/** The decoder class geotiff.js instantiates per image (constructor(parameters), decode(buffer)). */
export class LibjpegBlockDecoder {
  constructor(readonly parameters: JpegBlockParameters) {}

  async decode(buffer: ArrayBuffer): Promise<ArrayBuffer> {
    const { data } = await decodeJpegRaw(spliceTables(new Uint8Array(buffer), this.parameters.JPEGTables));
    return data.slice().buffer;
  }
}
