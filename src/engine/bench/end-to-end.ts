/**
 * The whole everything-mode path on a GeoTIFF of exactly one tile: extract (read → stretch →
 * letterbox → session.run → decode: NMS + masks → vectorize: seam merge + trace → geo: shape,
 * georeference, project) then export (the GeoJSON text, as the CLI writes it). One run returns its
 * wall time and the time of each stage.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SegModel } from '../model/segmodel.js';
import { extract } from '../pipeline/extract.js';
import { writeGeoTiff } from '../testing/write-geotiff.js';
import type { RawImage } from '../types.js';
import { benchImage } from './arch-models.js';

export const STAGES = ['read', 'preprocess', 'inference', 'decode', 'vectorize', 'geo', 'export'] as const;
export type Stage = (typeof STAGES)[number];

export interface EndToEndRun {
  /** Wall time of extract + export (ms). */
  total: number;
  stages: Record<Stage, number>;
  tiles: number;
  detections: number;
  buildings: number;
  /** Length of the GeoJSON text (characters). */
  geojsonChars: number;
}

/** Band-sequential planes of an interleaved RGB image. */
function planes(image: RawImage): Uint8Array[] {
  const n = image.width * image.height;
  const out = [0, 1, 2].map(() => new Uint8Array(n));
  for (let i = 0; i < n; i++) for (let b = 0; b < 3; b++) out[b][i] = image.data[image.channels * i + b];
  return out;
}

/**
 * Writes (once) a tiled, DEFLATE GeoTIFF of the image in UTM 16N at 0.5 m, so the geo stage does real
 * projection work. Returns its path.
 */
export function oneTileRaster(dir: string, name: string, image: RawImage): string {
  const file = path.join(dir, `${name}.tif`);
  if (existsSync(file)) return file;
  writeGeoTiff(file, {
    width: image.width,
    height: image.height,
    bands: planes(image),
    geotransform: [733601, 0.5, 0, 3725139, 0, -0.5],
    epsg: 32616,
    options: ['TILED=YES', 'COMPRESS=DEFLATE', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256'],
  });
  rmSync(`${file}.raw`, { force: true }); // writeGeoTiff's staging file
  return file;
}

export interface EndToEndOptions {
  /** Tile side (default: the model's size). */
  tileSize?: number;
  conf?: number;
}

/** One run of the whole path with a loaded model. */
export async function endToEndRun(model: SegModel, raster: string, options: EndToEndOptions = {}): Promise<EndToEndRun> {
  const t0 = performance.now();
  const per = { preprocess: 0, inference: 0, decode: 0 };
  const r = await extract(raster, {
    model,
    tileSize: options.tileSize,
    conf: options.conf,
    onTile: (_tile, result) => {
      per.preprocess += result.timings.preprocess;
      per.inference += result.timings.inference;
      per.decode += result.timings.postprocess;
    },
  });
  const e0 = performance.now();
  const text = JSON.stringify(r.collection);
  const exportMs = performance.now() - e0;
  const total = performance.now() - t0;
  return {
    total,
    stages: {
      read: r.timings.read,
      preprocess: per.preprocess,
      inference: per.inference,
      decode: per.decode,
      vectorize: r.timings.vectorize - r.timings.geo,
      geo: r.timings.geo,
      export: exportMs,
    },
    tiles: r.tiles,
    detections: r.detections,
    buildings: r.buildings,
    geojsonChars: text.length,
  };
}

/**
 * Writes (once) a GeoTIFF of n × n tiles of side imgsz with the default overlap of 128 (side
 * imgsz + (n − 1)·(imgsz − 128)), filled with the bench image repeated, in the one-tile raster's
 * format (tiled DEFLATE, UTM 16N, 0.5 m). Returns its path.
 */
export function gridRaster(dir: string, imgsz: number, n: number): string {
  const side = imgsz + (n - 1) * (imgsz - 128);
  const file = path.join(dir, `grid-${n}x${n}-${imgsz}.tif`);
  if (existsSync(file)) return file;
  const src = benchImage(imgsz);
  const bands = [0, 1, 2].map(() => new Uint8Array(side * side));
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      // Mirrored repeats: no hard seam where the pattern restarts.
      const sx = Math.floor(x / imgsz) % 2 ? imgsz - 1 - (x % imgsz) : x % imgsz;
      const sy = Math.floor(y / imgsz) % 2 ? imgsz - 1 - (y % imgsz) : y % imgsz;
      const s = (sy * imgsz + sx) * src.channels;
      for (let b = 0; b < 3; b++) bands[b][y * side + x] = src.data[s + b];
    }
  }
  writeGeoTiff(file, {
    width: side,
    height: side,
    bands,
    geotransform: [733601, 0.5, 0, 3725139, 0, -0.5],
    epsg: 32616,
    options: ['TILED=YES', 'COMPRESS=DEFLATE', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256'],
  });
  rmSync(`${file}.raw`, { force: true });
  return file;
}
