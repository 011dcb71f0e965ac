/**
 * The sharp gateway: the only file that imports sharp. Decodes PNG/JPEG/TIFF (and what else libvips
 * reads) into a RawImage (8-bit interleaved, 1–4 channels, EXIF orientation applied as cv2.imread
 * does), resizes, and encodes PNG.
 */
import { readInputFile } from '../util/read-input.js';
import sharp from 'sharp';
import { EngineError, throwIfAborted } from '../errors.js';
import type { RawImage } from '../types.js';
import { writeFileAtomic } from '../util/atomic-write.js';

sharp.cache(false);

function checkRaw(image: RawImage, what: string): void {
  const ok = image && image.data instanceof Uint8Array && Number.isInteger(image.width) && Number.isInteger(image.height)
    && image.width > 0 && image.height > 0 && [1, 2, 3, 4].includes(image.channels)
    && image.data.length === image.width * image.height * image.channels;
  if (!ok) {
    const got = image ? `${image.width}×${image.height}×${image.channels}, ${image.data?.length} bytes` : String(image);
    throw new EngineError('BAD_INPUT', `${what}: got ${got}, expected an 8-bit RawImage with width·height·channels bytes`);
  }
}

/** Reads an image file (or its bytes) into 8-bit pixels. Not an image → BAD_IMAGE; missing → NOT_FOUND. */
export async function readImage(input: string | Uint8Array, options: { signal?: AbortSignal } = {}): Promise<RawImage> {
  let bytes: Uint8Array;
  const label = typeof input === 'string' ? input : '<bytes>';
  if (typeof input === 'string') {
    bytes = await readInputFile(input, { maxBytes: 2 ** 31, what: 'image', code: 'BAD_IMAGE' });
    throwIfAborted(options.signal);
  } else if (input instanceof Uint8Array) {
    bytes = input;
  } else {
    throw new EngineError('BAD_INPUT', `image: got ${typeof input}, expected a file path or encoded image bytes`);
  }
  try {
    const meta = await sharp(bytes).metadata();
    let pipeline = sharp(bytes, { failOn: 'error' }).rotate();
    // sharp outputs sRGB unless told otherwise: keep gray (+ alpha) images gray.
    if ((meta.channels ?? 3) <= 2 || meta.space === 'b-w' || meta.space === 'grey16') pipeline = pipeline.toColourspace('b-w');
    const { data, info } = await pipeline
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: info.channels as RawImage['channels'],
    };
  } catch (err) {
    throw new EngineError('BAD_IMAGE', `${label} is not a readable image (PNG, JPEG or TIFF expected): ${(err as Error).message}`);
  }
}

/** Resizes with sharp (kernel: 'linear' | 'cubic' | 'nearest' | 'lanczos3'; default 'linear'), exact size. */
export async function resizeImage(
  image: RawImage,
  options: { width: number; height: number; kernel?: 'nearest' | 'linear' | 'cubic' | 'lanczos3' },
): Promise<RawImage> {
  checkRaw(image, 'resizeImage');
  const { width, height } = options;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new EngineError('BAD_INPUT', `resizeImage: got ${width}×${height}, expected positive integer width and height`);
  }
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .resize(width, height, { fit: 'fill', kernel: options.kernel ?? 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels as RawImage['channels'] };
}

/** Encodes a RawImage as PNG; returns the bytes (write them with writeFileAtomic). */
export async function encodePng(image: RawImage): Promise<Uint8Array> {
  checkRaw(image, 'encodePng');
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  if (image.channels <= 2) pipeline = pipeline.toColourspace('b-w'); // keep gray (+ alpha) as gray
  const buf = await pipeline.png().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Encodes a RawImage as PNG and writes it (temp file + rename). */
export async function writePng(image: RawImage, file: string): Promise<void> {
  const bytes = await encodePng(image);
  await writeFileAtomic(file, bytes);
}

/**
 * Decodes one JPEG stream (e.g. a JPEG-in-TIFF tile, tables spliced in) to raw interleaved pixels with
 * libjpeg's colour conversion and chroma upsampling — what GDAL does for YCbCr JPEG GeoTIFFs — off the
 * JavaScript thread (libvips).
 */
export async function decodeJpegRaw(bytes: Uint8Array): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
  } catch (err) {
    throw new EngineError('BAD_IMAGE', `cannot decode a JPEG block: ${(err as Error).message}`);
  }
}
