/**
 * Writes GeoTIFFs for tests with GDAL's Python bindings (python3-gdal), so test rasters are made by
 * the outside tool rather than by the code under test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

/** Debian's python3 carries python3-gdal (a pyenv or venv python on PATH may not). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface GeoTiffSpec {
  width: number;
  height: number;
  /** Band-sequential pixel data, one typed array per band. */
  bands: (Uint8Array | Uint16Array | Int16Array | Float32Array)[];
  /** GDAL geotransform; omit for no georeferencing. */
  geotransform?: [number, number, number, number, number, number];
  epsg?: number;
  nodata?: number;
  /** GDAL creation options, e.g. ['TILED=YES', 'COMPRESS=DEFLATE']. */
  options?: string[];
  /** 'GTiff' (default) or 'COG'. */
  driver?: 'GTiff' | 'COG';
}

const GDAL_TYPE: Record<string, string> = { Uint8Array: 'Byte', Uint16Array: 'UInt16', Int16Array: 'Int16', Float32Array: 'Float32' };

export function writeGeoTiff(file: string, spec: GeoTiffSpec): void {
  const raw = `${file}.raw`;
  const chunks = spec.bands.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  writeFileSync(raw, Buffer.concat(chunks));
  const type = GDAL_TYPE[spec.bands[0].constructor.name];
  const script = `
import sys, json
from osgeo import gdal, osr
gdal.UseExceptions()
a = json.loads(sys.argv[1])
mem = gdal.GetDriverByName('MEM').Create('', a['w'], a['h'], a['n'], gdal.GetDataTypeByName(a['type']))
raw = open(a['raw'], 'rb').read()
size = len(raw) // a['n']
for i in range(a['n']):
    mem.GetRasterBand(i + 1).WriteRaster(0, 0, a['w'], a['h'], raw[i * size:(i + 1) * size])
    if a['nodata'] is not None: mem.GetRasterBand(i + 1).SetNoDataValue(a['nodata'])
if a['gt']: mem.SetGeoTransform(a['gt'])
if a['epsg']:
    s = osr.SpatialReference(); s.ImportFromEPSG(a['epsg']); mem.SetProjection(s.ExportToWkt())
gdal.GetDriverByName(a['driver']).CreateCopy(a['out'], mem, options=a['options'])
`;
  const args = JSON.stringify({
    w: spec.width, h: spec.height, n: spec.bands.length, type, raw, gt: spec.geotransform ?? null, epsg: spec.epsg ?? null,
    nodata: spec.nodata ?? null, out: file, options: spec.options ?? [], driver: spec.driver ?? 'GTiff',
  });
  const r = spawnSync(PYTHON, ['-c', script, args], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`writing ${file} with python3-gdal failed (install python3-gdal): ${r.error?.message ?? r.stderr}`);
}

/** Red squares [x, y, side] on a gray background as three Byte bands (for the fixture model). */
export function squaresBands(width: number, height: number, squares: [number, number, number][], bg = 200): Uint8Array[] {
  const r = new Uint8Array(width * height).fill(bg);
  const g = new Uint8Array(width * height).fill(bg);
  const b = new Uint8Array(width * height).fill(bg);
  for (const [x0, y0, s] of squares) {
    for (let y = y0; y < y0 + s; y++) for (let x = x0; x < x0 + s; x++) {
      const i = y * width + x;
      r[i] = 255; g[i] = 0; b[i] = 0;
    }
  }
  return [r, g, b];
}
