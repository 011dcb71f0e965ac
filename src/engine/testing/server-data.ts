/**
 * Test data for the server: a georeferenced RGB GeoTIFF of red squares (what the fixture model
 * detects) on the SpaceNet Atlanta grid (EPSG:32616, 0.5 m pixels, origin 733601, 3725139), written
 * with GDAL (gdal_translate) from a PNG, and the fixture model file; plus gdal helpers used as the
 * outside reference for coordinates.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writePng } from '../image/io.js';
import { buildFixtureSegModel, squaresImage } from './fixture-seg-model.js';
import { sharedData } from './shared-data.js';

export const ORIGIN = [733601, 3725139] as const;
export const PIXEL = 0.5;
/** Red squares [x, y, side] in raster pixels: corners on multiples of 8, far apart. */
export const SQUARES: [number, number, number][] = [[40, 40, 56], [304, 200, 56], [480, 480, 56], [144, 456, 56]];
export const SIZE = 640;

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

/** Writes squares.tif (640×640 RGB uint8, EPSG:32616) into `dir`; returns its path. */
export async function writeSquaresTif(dir: string, name = 'squares.tif'): Promise<string> {
  const png = path.join(dir, '.squares.png');
  await writePng(squaresImage(SIZE, SIZE, SQUARES), png);
  const out = path.join(dir, name);
  run('gdal_translate', [
    '-q', '-of', 'GTiff', '-a_srs', 'EPSG:32616',
    '-a_ullr', String(ORIGIN[0]), String(ORIGIN[1]), String(ORIGIN[0] + SIZE * PIXEL), String(ORIGIN[1] - SIZE * PIXEL),
    png, out,
  ]);
  return out;
}

/** Copies the real SpaceNet Atlanta GeoTIFF from ../shared/data into `dir`. */
export function copyAtlanta(dir: string, name = 'atlanta.tif'): string {
  const out = path.join(dir, name);
  copyFileSync(sharedData('geotiff/spacenet-atlanta/sample_geotiff.tif'), out);
  return out;
}

/** Writes the fixture segmentation model (fixed 256×256 input) and returns its path. */
export function writeFixtureModel(dir: string, size = 256): string {
  const p = path.join(dir, `fixture-seg-${size}.onnx`);
  writeFileSync(p, buildFixtureSegModel({ size: [size, size] }));
  return p;
}

/** Pixel (col, row) of the squares raster → lon/lat, by GDAL's gdaltransform (the outside reference). */
export function pixelToLonLat(col: number, row: number): [number, number] {
  const x = ORIGIN[0] + col * PIXEL;
  const y = ORIGIN[1] - row * PIXEL;
  const out = run('gdaltransform', ['-s_srs', 'EPSG:32616', '-t_srs', 'EPSG:4326', '-output_xy'], `${x} ${y}\n`);
  const [lon, lat] = out.trim().split(/\s+/).map(Number);
  return [lon, lat];
}

/** gdalinfo -json of a file. */
export function gdalinfo(file: string): any {
  return JSON.parse(run('gdalinfo', ['-json', '-mm', file]));
}
