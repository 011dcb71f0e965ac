/**
 * Resampling to a target ground resolution, checked against GDAL's gdalwarp of the same files
 * (-r average when coarser, -r bilinear when finer) and end to end through extract.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openRaster } from './open.js';
import { resampleRaster, factorForResolution } from './resample.js';
import { extract } from '../pipeline/extract.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { gdal, sharedData, tmpDir } from '../testing/raster-fixtures.js';
import { bestMatches } from '../testing/iou.js';

const dir = tmpDir('fsg-resample-');

async function compareWithGdal(src: string, res: number, method: string, interiorMargin: number): Promise<{ maxDiff: number; compared: number }> {
  const ref = path.join(dir, `${path.basename(src)}-${res}-${method}.tif`);
  gdal('gdalwarp', ['-q', '-overwrite', '-tr', String(res), String(res), '-r', method, src, ref]);
  const native = await openRaster(src);
  const g = await openRaster(ref);
  const ours = resampleRaster(native, res / native.affine![1]);
  try {
    assert.equal(ours.width, g.width);
    assert.equal(ours.height, g.height);
    for (let k = 0; k < 6; k++) assert.ok(Math.abs(ours.affine![k] - g.affine![k]) < 1e-6, `geotransform[${k}]: ${ours.affine![k]} vs GDAL ${g.affine![k]}`);
    const a = await ours.readWindow([0, 0, ours.width, ours.height]);
    const b = await g.readWindow([0, 0, g.width, g.height]);
    let maxDiff = 0;
    let compared = 0;
    for (let band = 0; band < a.data.length; band++) {
      for (let y = interiorMargin; y < g.height - interiorMargin; y++) {
        for (let x = interiorMargin; x < g.width - interiorMargin; x++) {
          const i = y * g.width + x;
          maxDiff = Math.max(maxDiff, Math.abs(Number(a.data[band][i]) - Number(b.data[band][i])));
          compared++;
        }
      }
    }
    return { maxDiff, compared };
  } finally {
    await native.close();
    await g.close();
  }
}

test('coarser: the SpaceNet uint16 tile at 1 m equals gdalwarp -r average (nodata excluded) within rounding', async () => {
  const r = await compareWithGdal(sharedData('geotiff/spacenet-atlanta/sample_geotiff.tif'), 1.0, 'average', 0);
  assert.ok(r.compared === 450 * 450, `compared ${r.compared}`);
  assert.ok(r.maxDiff <= 1, `max difference ${r.maxDiff} DN`);
});

test('finer: the Rotterdam RGB at half its pixel size matches gdalwarp -r bilinear inside the border', async () => {
  const src = sharedData('geotiff/rotterdam/rgb_unmasked.tif');
  const native = await openRaster(src);
  const res = native.affine![1] / 2;
  await native.close();
  const r = await compareWithGdal(src, res, 'bilinear', 2);
  assert.ok(r.compared > 3 * 390 * 390, `compared ${r.compared}`);
  assert.ok(r.maxDiff <= 1, `max difference ${r.maxDiff} DN`);
});

test('extract --resolution: squares drawn at 0.25 m are found at 0.5 m, where the model sees them at its scale', async () => {
  const model = await loadSegModel(buildFixtureSegModel(), { name: 'fixture' });
  // At 0.25 m these are 112 and 224 px; resampled to 0.5 m, 56 and 112 px: sizes the fixture model detects.
  const SQUARES: [number, number, number][] = [[128, 128, 112], [640, 256, 224], [256, 1280, 224], [1600, 1600, 112]];
  const GT: [number, number, number, number, number, number] = [733601, 0.25, 0, 3725139, 0, -0.25];
  const tif = path.join(dir, 'squares-025.tif');
  writeGeoTiff(tif, { width: 2048, height: 2048, bands: squaresBands(2048, 2048, SQUARES), geotransform: GT, epsg: 32616, options: ['TILED=YES'] });
  const truth = SQUARES.map(([x, y, s]) => {
    const X = (c: number): number => GT[0] + c * GT[1];
    const Y = (r: number): number => GT[3] + r * GT[5];
    return { type: 'Polygon', coordinates: [[[X(x), Y(y)], [X(x + s), Y(y)], [X(x + s), Y(y + s)], [X(x), Y(y + s)], [X(x), Y(y)]]] };
  });
  const r = await extract(tif, { model, resolution: 0.5, tileSize: 512, overlap: 128, crs: 'native', regularize: false, minArea: 0 });
  assert.equal(r.window[2], 1024, 'the resampled raster is 1024 px wide');
  assert.equal(r.buildings, SQUARES.length);
  const m = bestMatches(truth, r.collection.features.map((f) => f.geometry));
  assert.ok(Math.min(...m) >= 0.95, `worst IoU vs the drawn squares ${Math.min(...m)}`);
  await model.dispose();
});

test('a resolution needs a metric pixel size; bad values are named', () => {
  assert.equal(factorForResolution(1, 0.5, 'a.tif'), 2);
  assert.throws(() => factorForResolution(0, 0.5, 'a.tif'), /resolution: got 0/);
  assert.throws(() => factorForResolution(1, null, 'a.tif'), /a\.tif has no pixel size in metres/);
});
