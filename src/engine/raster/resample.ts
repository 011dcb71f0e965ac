/**
 * A raster seen at another ground resolution: `resampleRaster(raster, factor)` is a Raster whose pixel
 * (i, j) is centred at native pixel position ((i + 0.5)·factor, (j + 0.5)·factor) (factor = target
 * pixel size / native pixel size; > 1 coarser, < 1 finer). Its affine is the native one scaled, so
 * everything downstream (tiling, masks, georeferencing) works in the new pixels unchanged.
 *
 * Sampling: finer (factor < 1) is bilinear; coarser is the mean of the native pixels under the new
 * pixel (box filter: no aliasing), read from the coarsest internal overview that is still at least as
 * fine as the target. Nodata and NaN pixels never blend into valid ones: a new pixel is nodata only
 * when every native pixel it draws on is. Reads of overviews (the stretch) go to the native raster.
 */
import { EngineError } from '../errors.js';
import type { BandArray, PixelWindow, Raster, ReadWindowOptions, WindowData } from './open.js';

const INTEGER = new Set(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32']);

export function resampleRaster(raster: Raster, factor: number): Raster {
  if (!(Number.isFinite(factor) && factor > 0)) throw new EngineError('BAD_INPUT', `resample factor: got ${factor}, expected a positive number`);
  if (Math.abs(factor - 1) < 1e-9) return raster;
  const width = Math.max(1, Math.round(raster.width / factor));
  const height = Math.max(1, Math.round(raster.height / factor));
  if (width * height > 4e10) throw new EngineError('TOO_LARGE', `resampling ${raster.source} by ${factor} gives ${width}×${height} pixels`);
  const a = raster.affine;
  const affine = a ? ([a[0], a[1] * factor, a[2] * factor, a[3], a[4] * factor, a[5] * factor] as typeof a) : null;
  const nodata = raster.nodata;
  const isValid = (v: number): boolean => !Number.isNaN(v) && (nodata === null || v !== nodata);
  // Levels to read from: 0 = native, k = overview k, with their scale relative to native pixels.
  const levels = [{ level: 0, width: raster.width, height: raster.height }, ...raster.overviews.map((o, k) => ({ level: k + 1, ...o }))];

  async function readResampled(window: PixelWindow, opts: ReadWindowOptions): Promise<WindowData> {
    const [x0, y0, x1, y1] = window;
    if (![x0, y0, x1, y1].every(Number.isInteger) || x1 <= x0 || y1 <= y0 || x0 < 0 || y0 < 0 || x1 > width || y1 > height) {
      throw new EngineError('OUT_OF_BOUNDS', `window [${window.join(', ')}] is outside the resampled raster (${width}×${height} pixels)`);
    }
    // The coarsest level whose pixels are no larger than the target pixels.
    let lv = levels[0];
    for (const l of levels) if (raster.width / l.width <= factor + 1e-9 && l.width < lv.width) lv = l;
    const sx = raster.width / lv.width;
    const sy = raster.height / lv.height;
    const fx = factor / sx; // target pixel in level pixels
    const fy = factor / sy;
    const ow = x1 - x0;
    const oh = y1 - y0;
    // Level window covering the target window, one pixel of margin for bilinear.
    const lx0 = Math.max(0, Math.floor(x0 * fx) - 1);
    const ly0 = Math.max(0, Math.floor(y0 * fy) - 1);
    const lx1 = Math.min(lv.width, Math.ceil(x1 * fx) + 1);
    const ly1 = Math.min(lv.height, Math.ceil(y1 * fy) + 1);
    // Bands, not interleaved bytes: the resampling works band by band.
    const src = await raster.readWindow([lx0, ly0, lx1, ly1], { ...opts, rgb8: false, overview: lv.level });
    const sw = src.width;
    const sh = src.height;
    const round = INTEGER.has(raster.dtype);
    const data = src.data.map((band: BandArray) => {
      const out = new (band.constructor as new (n: number) => BandArray)(ow * oh);
      const put = (k: number, v: number): void => {
        out[k] = round ? Math.round(v) : v;
      };
      for (let j = 0; j < oh; j++) {
        for (let i = 0; i < ow; i++) {
          const k = j * ow + i;
          if (fx >= 1 && fy >= 1) {
            // Box filter over the level pixels whose centres fall inside the target pixel.
            const ax = Math.max(0, Math.round((x0 + i) * fx) - lx0);
            const bx = Math.min(sw, Math.max(ax + 1, Math.round((x0 + i + 1) * fx) - lx0));
            const ay = Math.max(0, Math.round((y0 + j) * fy) - ly0);
            const by = Math.min(sh, Math.max(ay + 1, Math.round((y0 + j + 1) * fy) - ly0));
            let s = 0;
            let n = 0;
            for (let y = ay; y < by; y++) {
              for (let x = ax; x < bx; x++) {
                const v = band[y * sw + x];
                if (isValid(v)) {
                  s += v;
                  n++;
                }
              }
            }
            if (n > 0) put(k, s / n);
            else out[k] = nodata ?? NaN;
          } else {
            // Bilinear at the target pixel's centre, over the valid neighbours only.
            const px = Math.min(sw - 1, Math.max(0, (x0 + i + 0.5) * fx - 0.5 - lx0));
            const py = Math.min(sh - 1, Math.max(0, (y0 + j + 0.5) * fy - 0.5 - ly0));
            const ix = Math.min(sw - 2, Math.floor(px));
            const iy = Math.min(sh - 2, Math.floor(py));
            let s = 0;
            let wsum = 0;
            for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
              const xx = Math.max(0, ix) + dx;
              const yy = Math.max(0, iy) + dy;
              if (xx >= sw || yy >= sh) continue;
              const w = (1 - Math.abs(px - xx)) * (1 - Math.abs(py - yy));
              const v = band[yy * sw + xx];
              if (w > 0 && isValid(v)) {
                s += w * v;
                wsum += w;
              }
            }
            if (wsum > 0) put(k, s / wsum);
            else out[k] = nodata ?? NaN;
          }
        }
      }
      return out;
    });
    return { width: ow, height: oh, data };
  }

  return {
    ...raster,
    width,
    height,
    affine,
    async readWindow(window: PixelWindow, opts: ReadWindowOptions = {}): Promise<WindowData> {
      if (opts.overview) return raster.readWindow(window, opts);
      return readResampled(window, opts);
    },
    close: () => raster.close(),
  };
}

/**
 * The resample factor for a target ground resolution (metres per pixel) given the raster's pixel size
 * in metres; BAD_INPUT when the raster has no metric pixel size.
 */
export function factorForResolution(targetMeters: number, pixelMeters: number | null, source: string): number {
  if (!(Number.isFinite(targetMeters) && targetMeters > 0)) {
    throw new EngineError('BAD_INPUT', `resolution: got ${targetMeters}, expected a positive number of metres per pixel`);
  }
  if (pixelMeters === null || !(pixelMeters > 0)) {
    throw new EngineError('BAD_INPUT', `${source} has no pixel size in metres (no georeferencing or an unknown CRS): --resolution needs one`);
  }
  return targetMeters / pixelMeters;
}
