// Regression (issue 18): YCbCr JPEG-in-TIFF (COMPRESS=JPEG PHOTOMETRIC=YCBCR, the usual orthophoto) was read
// as raw Y/Cb/Cr (76,85,255 where GDAL reads 254,0,0) and palette TIFFs as palette indexes, so extraction
// silently found nothing. Both now read as RGB, equal to GDAL's pixels one by one (files made by GDAL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../testing/raster-fixtures.js';
import { openRaster } from './open.js';

const dir = tmpDir('fsg-photometric-');

/** Makes the test rasters with GDAL and dumps what GDAL reads (RGB, band-sequential) beside each. */
const script = `
import sys, numpy as np
from osgeo import gdal
gdal.UseExceptions()
d = sys.argv[1]
rng = np.random.default_rng(1)
a = np.zeros((3, 96, 128), np.uint8)
a[0, :, :64] = 254; a[1, :48] = 200; a[2] = np.tile((np.arange(128) * 2).astype(np.uint8), (96, 1))
a[:, 60:80, 20:110] = rng.integers(0, 255, (3, 20, 90))
mem = gdal.GetDriverByName('MEM').Create('', 128, 96, 3, gdal.GDT_Byte)
for i in range(3): mem.GetRasterBand(i + 1).WriteArray(a[i])
mem.SetGeoTransform([500000, 1, 0, 4000000, 0, -1])
def dump(name):
    ds = gdal.Open(f'{d}/{name}.tif')
    if ds.RasterCount == 1 and ds.GetRasterBand(1).GetColorTable() is not None:
        ds = gdal.Translate('', ds, format='MEM', rgbExpand='rgb')
    ds.ReadAsArray().astype(np.uint8).tofile(f'{d}/{name}.gdal')
for name, opts in [('ycbcr-tiled', ['COMPRESS=JPEG', 'PHOTOMETRIC=YCBCR', 'TILED=YES', 'BLOCKXSIZE=64', 'BLOCKYSIZE=32']),
                   ('ycbcr-strips', ['COMPRESS=JPEG', 'PHOTOMETRIC=YCBCR']),
                   ('jpeg-rgb', ['COMPRESS=JPEG', 'PHOTOMETRIC=RGB', 'TILED=YES'])]:
    gdal.Translate(f'{d}/{name}.tif', mem, creationOptions=opts)
    dump(name)
pal = gdal.GetDriverByName('GTiff').Create(f'{d}/palette.tif', 128, 96, 1, gdal.GDT_Byte, ['COMPRESS=DEFLATE'])
idx = (np.arange(96 * 128).reshape(96, 128) * 7 % 256).astype(np.uint8)
pal.GetRasterBand(1).WriteArray(idx)
ct = gdal.ColorTable()
for i in range(256): ct.SetColorEntry(i, (i, (i * 37) % 256, 255 - i, 255))
pal.GetRasterBand(1).SetColorTable(ct)
pal.SetGeoTransform([500000, 1, 0, 4000000, 0, -1])
pal = None
dump('palette')
`;
const r = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' });
if (r.status !== 0) throw new Error(`GDAL fixture script failed: ${r.stderr}`);

for (const name of ['ycbcr-tiled', 'ycbcr-strips', 'jpeg-rgb', 'palette']) {
  test(`${name}: read as RGB uint8, every pixel equal to GDAL's (whole raster and an unaligned window)`, async () => {
    const want = new Uint8Array(readFileSync(path.join(dir, `${name}.gdal`)));
    const raster = await openRaster(path.join(dir, `${name}.tif`));
    try {
      assert.equal(raster.bands, 3);
      assert.equal(raster.dtype, 'uint8');
      const whole = await raster.readWindow([0, 0, 128, 96]);
      for (let b = 0; b < 3; b++) {
        const ref = want.subarray(b * 128 * 96, (b + 1) * 128 * 96);
        let diff = 0;
        for (let i = 0; i < ref.length; i++) if (whole.data[b][i] !== ref[i]) diff++;
        assert.equal(diff, 0, `band ${b + 1}: ${diff} pixels differ from GDAL`);
      }
      const win = await raster.readWindow([13, 7, 101, 90], { bands: [2, 0] });
      for (const [k, b] of [2, 0].entries()) {
        for (let y = 7; y < 90; y++) {
          for (let x = 13; x < 101; x++) {
            assert.equal(win.data[k][(y - 7) * 88 + (x - 13)], want[b * 128 * 96 + y * 128 + x], `band ${b + 1} at ${x},${y}`);
          }
        }
      }
    } finally {
      await raster.close();
    }
  });
}
