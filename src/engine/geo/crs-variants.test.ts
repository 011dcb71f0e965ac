/**
 * The same scene in EPSG:32616, EPSG:3857 and EPSG:4326 (variants made with gdalwarp at test time)
 * gives the same WGS84 polygons, within a pixel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { vectorizeRaster } from '../pipeline/vectorize-raster.js';
import { burnAtlantaLabels, gdal, tmpDir } from '../testing/raster-fixtures.js';
import { bbox, bestMatches, median } from '../testing/iou.js';

function centroidMetres(g: any): [number, number] {
  const [w, s, e, n] = bbox(g);
  const lat = (s + n) / 2;
  return [((w + e) / 2) * 111320 * Math.cos((lat * Math.PI) / 180), lat * 110574];
}

test('EPSG:32616, 3857 and 4326 copies of the labels vectorize to the same WGS84 polygons within a pixel (0.5 m)', async () => {
  const dir = tmpDir();
  const labels = burnAtlantaLabels(dir);
  // Buildings of at least 20 m² (80 pixels): the IoU of a few-pixel sliver after resampling says little.
  const base = (await vectorizeRaster(labels)).collection.features.filter((f) => (f.properties.area_m2 as number) >= 20).map((f) => f.geometry);
  for (const epsg of ['EPSG:3857', 'EPSG:4326']) {
    const warped = path.join(dir, `labels-${epsg.slice(5)}.tif`);
    gdal('gdalwarp', ['-q', '-t_srs', epsg, '-r', 'near', labels, warped]);
    const { collection } = await vectorizeRaster(warped);
    assert.equal(collection.crs, undefined);
    const ours = collection.features.map((f) => f.geometry);
    const ious = bestMatches(base, ours);
    assert.ok(median(ious) >= 0.9 && Math.min(...ious) >= 0.85, `${epsg}: IoU median ${median(ious)}, min ${Math.min(...ious)}`);
    // Bounding-box centres of matched polygons agree within one 0.5 m pixel.
    const shifts = base.map((g) => {
      const [x, y] = centroidMetres(g);
      return Math.min(...ours.map((o) => { const [u, v] = centroidMetres(o); return Math.hypot(u - x, v - y); }));
    });
    console.log(epsg, 'IoU median', median(ious).toFixed(4), 'min', Math.min(...ious).toFixed(4), 'max centre shift m', Math.max(...shifts).toFixed(3));
    assert.ok(Math.max(...shifts) <= 0.5, `${epsg}: largest centre shift ${Math.max(...shifts).toFixed(3)} m`);
  }
});
