/**
 * Generator of hostile inputs for the hostile-input suite (cli/hostile-suite.test.ts), made at test time
 * in a temp dir: rasters by GDAL (valid bases, YCbCr/palette, truncations of a real file) and by the hand
 * TIFF writer (huge headers, IFD loops, decompression bombs, lying block tables, degenerate
 * geotransforms); models: 0-byte, random bytes, NaN outputs, lying metadata, a FIFO, /dev/zero.
 * Each case says which outcomes are acceptable: 'ok' (a correct result) or the error codes.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildFixtureSegModel } from './fixture-seg-model.js';
import { deflatedZeros, handTiff, type HandIfd } from './hand-tiff.js';
import { squaresBands, writeGeoTiff } from './write-geotiff.js';

export interface HostileCase {
  name: string;
  file: string;
  /** Acceptable outcomes: 'ok' and/or error codes. */
  expect: string[];
}

const UTM: [number, number, number, number, number, number] = [733601, 0.5, 0, 3725139, 0, -0.5];
const GEOKEYS_32616 = [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32616];

function geoTagged(ifd: HandIfd, origin: [number, number], scale: [number, number]): HandIfd {
  return { ...ifd, extra: [[33550, 12, [scale[0], scale[1], 0]], [33922, 12, [0, 0, 0, origin[0], origin[1], 0]], [34735, 3, GEOKEYS_32616]] };
}

/** Writes the hostile rasters into `dir`; returns the cases. */
export function hostileRasters(dir: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (name: string, bytes: Uint8Array, expect: string[]) => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    cases.push({ name, file, expect });
  };
  const px = new Uint8Array(256).fill(1);
  const small: HandIfd = { width: 16, height: 16, tile: [16, 16], blocks: [px] };
  add('ifd-self-loop.tif', handTiff([small], { next: 'self' }), ['BAD_IMAGE']);
  add('ifd-cycle.tif', handTiff([small, { ...small }, { ...small }], { next: 'first' }), ['BAD_IMAGE']);
  add('huge-2^31.tif', handTiff([{ width: 2 ** 31, height: 2 ** 31, tile: [256, 256], blockTable: Array(8000).fill([8, 1]) }]), ['TOO_LARGE']);
  add('bomb-tile.tif', handTiff([{ width: 32768, height: 32768, tile: [32768, 32768], compression: 8, blocks: [deflatedZeros(1 << 24)] }]), ['TOO_LARGE']);
  add('bomb-strip.tif', handTiff([{ width: 32768, height: 32768, samples: 3, rowsPerStrip: 32768, compression: 8, blocks: [deflatedZeros(1 << 20)] }]), ['TOO_LARGE']);
  add('lying-table.tif', handTiff([{ width: 64, height: 64, tile: [16, 16], blocks: [px] }]), ['BAD_IMAGE']);
  add('past-eof.tif', handTiff([{ width: 16, height: 16, tile: [16, 16], blockTable: [[1 << 30, 256]] }]), ['BAD_IMAGE']);
  add('zero-width.tif', handTiff([{ ...small, width: 0 }]), ['BAD_IMAGE']);
  add('geo-1e300.tif', handTiff([geoTagged(small, [1e300, 1e300], [1, 1])]), ['BAD_IMAGE']);
  add('geo-zero-pixel.tif', handTiff([geoTagged(small, [500000, 4000000], [0, 0])]), ['BAD_IMAGE']);
  add('geo-nan.tif', handTiff([geoTagged(small, [NaN, 4000000], [1, 1])]), ['BAD_IMAGE']);
  add('not-a-tiff.tif', new Uint8Array(randomBytes(4096)), ['BAD_IMAGE']);
  add('empty.tif', new Uint8Array(0), ['BAD_IMAGE']);
  // real GDAL files: a base, its truncations, YCbCr JPEG and palette (must work)
  const base = path.join(dir, 'base.tif');
  writeGeoTiff(base, { width: 256, height: 256, bands: squaresBands(256, 256, [[64, 64, 56]]), geotransform: UTM, epsg: 32616, options: ['TILED=YES', 'COMPRESS=DEFLATE'] });
  cases.push({ name: 'base.tif', file: base, expect: ['ok'] });
  const full = readFileSync(base);
  for (const f of [0.001, 0.01, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.999]) {
    add(`truncated-${f}.tif`, full.subarray(0, Math.floor(full.length * f)), ['BAD_IMAGE']);
  }
  for (const [name, opts] of [['ycbcr.tif', ['-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR', '-co', 'TILED=YES']], ['palette.tif', ['-of', 'GTiff']]] as const) {
    const out = path.join(dir, name);
    if (name === 'palette.tif') {
      execFileSync('gdal_translate', ['-q', '-b', '1', '-ot', 'Byte', base, path.join(dir, '.gray.tif')]);
      // a palette file: pct from a 1-band copy (rgb2pct would need python; gdaldem color-relief is not palette)
      writeFileSync(path.join(dir, '.pal.vrt'), paletteVrt(path.join(dir, '.gray.tif')));
      execFileSync('gdal_translate', ['-q', path.join(dir, '.pal.vrt'), out]);
    } else {
      execFileSync('gdal_translate', ['-q', ...opts, base, out]);
    }
    cases.push({ name, file: out, expect: ['ok'] });
  }
  return cases;
}

function paletteVrt(src: string): string {
  const entries = Array.from({ length: 256 }, (_, i) => `<Entry c1="${i}" c2="${(i * 37) % 256}" c3="${255 - i}" c4="255"/>`).join('');
  return `<VRTDataset rasterXSize="256" rasterYSize="256"><SRS>EPSG:32616</SRS><GeoTransform>${UTM.join(',')}</GeoTransform>
<VRTRasterBand dataType="Byte" band="1"><ColorInterp>Palette</ColorInterp><ColorTable>${entries}</ColorTable>
<SimpleSource><SourceFilename relativeToVRT="0">${src}</SourceFilename><SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>`;
}

/** Writes the hostile models into `dir` (a FIFO included); returns the cases. */
export function hostileModels(dir: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (name: string, bytes: Uint8Array, expect: string[]) => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    cases.push({ name, file, expect });
  };
  add('zero-bytes.onnx', new Uint8Array(0), ['BAD_MODEL']);
  add('random.onnx', new Uint8Array(randomBytes(20000)), ['BAD_MODEL']);
  add('nan-outputs.onnx', buildFixtureSegModel({ poison: 'nan' }), ['ok']);
  add('lying-metadata.onnx', buildFixtureSegModel({ poison: 'lying-metadata' }), ['BAD_MODEL']);
  const fifo = path.join(dir, 'fifo.onnx');
  execFileSync('mkfifo', [fifo]);
  cases.push({ name: 'fifo.onnx', file: fifo, expect: ['BAD_MODEL'] });
  cases.push({ name: '/dev/zero', file: '/dev/zero', expect: ['BAD_MODEL'] });
  return cases;
}
