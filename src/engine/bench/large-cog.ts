/**
 * Large rasters: peak RSS and time per tile of an extraction with the fixture model (so the figures
 * measure the raster/tiling/vectorize path, not FastSAM) over generated COGs of several sizes
 * (default 2k, 5k, 10k, 20k px square, 3 bands uint8, 512² DEFLATE tiles, overviews), each made
 * once with GDAL into the bench cache. Each extraction runs in its own child process
 * (extract-child.ts), which reports its own peak RSS. Targets: peak RSS < 1.5 GB at every size
 * (independent of size), time per tile constant (linear total).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';
import { writeGeoTiff } from '../testing/write-geotiff.js';
import { benchCacheDir } from './arch-models.js';
import type { ExtractChildResult } from './extract-child.js';
import type { Figure } from './figures.js';

export const RSS_TARGET_MB = 1536;
const PATTERN = 1024;

/** A 1024² pattern: textured ground (low-entropy noise) and pure red squares the fixture model sees. */
function patternTile(dir: string): string {
  const file = path.join(dir, 'pattern-1024.tif');
  if (existsSync(file)) return file;
  const n = PATTERN * PATTERN;
  const bands = [new Uint8Array(n), new Uint8Array(n), new Uint8Array(n)];
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const v = 100 + ((s >>> 24) & 15);
    bands[0][i] = v; bands[1][i] = v + 8; bands[2][i] = v - 10;
  }
  // Squares of 7·stride px on a 32-px grid: with 1024-px tiles and 128 px overlap every tile origin is
  // a multiple of 32, so the fixture model finds them in every tile.
  const squares: [number, number, number][] = [];
  for (let gy = 0; gy < 4; gy++) for (let gx = 0; gx < 4; gx++) {
    const side = [56, 112, 224][(gx + gy) % 3];
    squares.push([32 + gx * 256, 32 + gy * 256, side]);
  }
  for (const [x0, y0, side] of squares) {
    for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) {
      const i = y * PATTERN + x;
      bands[0][i] = 255; bands[1][i] = 0; bands[2][i] = 0;
    }
  }
  writeGeoTiff(file, { width: PATTERN, height: PATTERN, bands, options: ['TILED=YES'] });
  rmSync(`${file}.raw`, { force: true }); // writeGeoTiff's staging file
  return file;
}

/** Writes (once) a size×size COG tiled from the pattern, in UTM 16N at 0.5 m. Returns its path. */
export function largeCog(size: number, options: { cacheDir?: string; onLog?: (m: string) => void } = {}): string {
  if (!(Number.isInteger(size) && size >= 256)) throw new EngineError('BAD_INPUT', `COG size: got ${size}, expected an integer ≥ 256`);
  const dir = benchCacheDir(options.cacheDir);
  const file = path.join(dir, `cog-${size}.tif`);
  if (existsSync(file)) return file;
  options.onLog?.(`writing a ${size}×${size}×3 COG with gdal_translate into ${dir} (once)`);
  const pattern = patternTile(dir);
  const k = Math.ceil(size / PATTERN);
  const sources: string[] = [];
  for (let ty = 0; ty < k; ty++) for (let tx = 0; tx < k; tx++) {
    for (let b = 1; b <= 3; b++) {
      sources.push(`<SimpleSource band="${b}"><SourceFilename relativeToVRT="0">${pattern}</SourceFilename><SourceBand>${b}</SourceBand>`
        + `<SrcRect xOff="0" yOff="0" xSize="${PATTERN}" ySize="${PATTERN}"/><DstRect xOff="${tx * PATTERN}" yOff="${ty * PATTERN}" xSize="${PATTERN}" ySize="${PATTERN}"/></SimpleSource>`);
    }
  }
  const bandXml = [1, 2, 3].map((b) => `<VRTRasterBand dataType="Byte" band="${b}"><ColorInterp>${['Red', 'Green', 'Blue'][b - 1]}</ColorInterp>${sources.filter((s) => s.startsWith(`<SimpleSource band="${b}"`)).map((s) => s.replace(` band="${b}"`, '')).join('')}</VRTRasterBand>`).join('');
  const vrt = `<VRTDataset rasterXSize="${size}" rasterYSize="${size}"><SRS>EPSG:32616</SRS><GeoTransform>733601, 0.5, 0, 3725139, 0, -0.5</GeoTransform>${bandXml}</VRTDataset>`;
  const vrtFile = path.join(dir, `cog-${size}.vrt`);
  writeFileSync(vrtFile, vrt);
  const tmp = `${file}.${process.pid}.tmp.tif`;
  const r = spawnSync('gdal_translate', ['-q', '-of', 'COG', '-co', 'COMPRESS=DEFLATE', '-co', 'BLOCKSIZE=512', '-co', 'NUM_THREADS=ALL_CPUS', '-co', 'OVERVIEWS=AUTO', vrtFile, tmp], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new EngineError('INTERNAL', `gdal_translate failed for the ${size}² bench COG: ${r.error?.message ?? r.stderr}`);
  }
  renameSync(tmp, file);
  return file;
}

/** Runs one extraction in a child process and returns its report. */
export function extractInChild(raster: string, options: { tileSize?: number; threads?: number } = {}): Promise<ExtractChildResult> {
  const child = fileURLToPath(new URL('./extract-child.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, JSON.stringify({ raster, tileSize: options.tileSize ?? 1024, threads: options.threads })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new EngineError('INTERNAL', `extract child for ${raster} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve(JSON.parse(line) as ExtractChildResult);
    });
  });
}

export async function benchLargeCogs(sizes: number[], options: { cacheDir?: string; threads?: number; tileSize?: number; onLog?: (m: string) => void } = {}): Promise<Figure[]> {
  const sec = 'Large COG extraction (fixture model, 1024² tiles, child process per size)';
  const figures: Figure[] = [];
  const perTile: number[] = [];
  let largest: ExtractChildResult | null = null;
  for (const size of sizes) {
    const cog = largeCog(size, options);
    options.onLog?.(`extracting the ${size}² COG in a child process`);
    const r = await extractInChild(cog, { tileSize: options.tileSize, threads: options.threads });
    const k = `cog.${size}`;
    const msPerTile = r.total / r.tiles;
    perTile.push(msPerTile);
    figures.push(
      { key: `${k}.peakRss`, section: sec, label: `${size}²: peak RSS`, value: r.peakRssMB, unit: 'MB', target: { max: RSS_TARGET_MB } },
      { key: `${k}.msPerTile`, section: sec, label: `${size}²: time per tile`, value: msPerTile, unit: 'ms', note: `${r.tiles} tiles, ${(r.total / 1000).toFixed(1)} s, ${r.buildings} polygons` },
    );
    largest = r;
  }
  if (perTile.length > 1) {
    figures.push({ key: 'cog.linearity', section: sec, label: `time per tile, ${sizes[sizes.length - 1]}² / ${sizes[0]}² (1 = linear)`, value: perTile[perTile.length - 1] / perTile[0], unit: 'ratio', target: { max: 1.2 } });
  }
  if (largest) {
    const size = sizes[sizes.length - 1];
    const ssec = `Stages per tile, ${size}² COG (fixture model)`;
    for (const [s, v] of Object.entries(largest.stages)) {
      figures.push({ key: `cog.${size}.stage.${s}`, section: ssec, label: `${size}²: ${s} per tile`, value: v / largest.tiles, unit: 'ms' });
    }
  }
  return figures;
}
