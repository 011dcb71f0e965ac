/**
 * The vectorizer against the outside oracle: GDAL's gdal_polygonize.py of the same raster, and the
 * hand-drawn SpaceNet footprints; IoU computed with polyclip-ts (testing/iou.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { vectorizeRaster } from './vectorize-raster.js';
import { burnAtlantaLabels, gdal, gdalPolygonize, readJson, sharedData, tmpDir } from '../testing/raster-fixtures.js';
import { bestMatches, geomArea, median } from '../testing/iou.js';

const dir = tmpDir();
const labelsTif = burnAtlantaLabels(dir);
const handDrawn = readJson(sharedData('geotiff/spacenet-atlanta/geotiff_labels.geojson')).features;

function ccwOuter(coords: number[][][]): boolean {
  const r = coords[0];
  let s = 0;
  for (let i = 0; i + 1 < r.length; i++) s += r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1];
  return s > 0;
}

test('burned SpaceNet labels in EPSG:32616: every gdal_polygonize polygon matched at IoU ≥ 0.97; hand-drawn median IoU ≥ 0.95', async () => {
  const { collection } = await vectorizeRaster(labelsTif, { crs: 'native' });
  assert.equal(collection.crs?.properties.name, 'urn:ogc:def:crs:EPSG::32616');
  const ours = collection.features.map((f) => f.geometry);
  const ref = gdalPolygonize(labelsTif, dir).map((f: any) => f.geometry);
  assert.equal(ours.length, ref.length, 'same number of polygons as GDAL');
  const vsGdal = bestMatches(ref, ours);
  assert.ok(Math.min(...vsGdal) >= 0.97, `worst IoU vs GDAL ${Math.min(...vsGdal)}`);
  // Exact mode: each area is the pixel count × 0.25 m², and rings follow the right-hand rule.
  for (const f of collection.features) {
    assert.equal(f.properties.area_m2, (f.properties.pixels as number) * 0.25);
    assert.ok(Math.abs(geomArea(f.geometry) - (f.properties.area_m2 as number)) < 1e-6);
    assert.ok(ccwOuter(f.geometry.coordinates as number[][][]), 'outer ring counter-clockwise');
  }
  const vsHand = bestMatches(handDrawn.map((f: any) => f.geometry), ours);
  assert.equal(vsHand.length, 43);
  assert.ok(median(vsHand) >= 0.95, `median IoU vs hand-drawn ${median(vsHand)}`);
});

test('the same in WGS84 (RFC 7946 default) against GDAL and the hand-drawn footprints reprojected by ogr2ogr', async () => {
  const { collection } = await vectorizeRaster(labelsTif);
  assert.equal(collection.crs, undefined);
  const ours = collection.features.map((f) => f.geometry);
  const [lon, lat] = (ours[0].coordinates as number[][][])[0][0];
  assert.ok(lon > -84.6 && lon < -84.2 && lat > 33.5 && lat < 33.8, `lon/lat order, Atlanta: got ${lon}, ${lat}`);
  for (const g of ours) assert.ok(ccwOuter(g.coordinates as number[][][]));
  const ref = gdalPolygonize(labelsTif, dir, 'EPSG:4326').map((f: any) => f.geometry);
  const vsGdal = bestMatches(ref, ours);
  assert.equal(ours.length, ref.length);
  assert.ok(Math.min(...vsGdal) >= 0.97, `worst IoU vs GDAL (WGS84) ${Math.min(...vsGdal)}`);
  const hand84 = path.join(dir, 'hand84.geojson');
  gdal('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', 'EPSG:4326', hand84, sharedData('geotiff/spacenet-atlanta/geotiff_labels.geojson')]);
  const vsHand = bestMatches(readJson(hand84).features.map((f: any) => f.geometry), ours);
  assert.ok(median(vsHand) >= 0.95, `median IoU vs hand-drawn (WGS84) ${median(vsHand)}`);
});

test('sample_fp_mask.tif (no georeferencing): pixel coordinates with a warning, every GDAL polygon matched at IoU ≥ 0.97', async () => {
  const mask = sharedData('geotiff/spacenet-atlanta/sample_fp_mask.tif');
  const { collection, warnings } = await vectorizeRaster(mask);
  assert.match(warnings.join('\n'), /no georeferencing: polygons are in pixel coordinates/);
  assert.match(String(collection.note), /pixel/);
  const ours = collection.features.map((f) => f.geometry);
  const ref = gdalPolygonize(mask, dir).map((f: any) => f.geometry);
  assert.ok(ref.length > 100, `GDAL found ${ref.length} polygons`);
  assert.equal(ours.length, ref.length);
  const vs = bestMatches(ref, ours);
  assert.ok(Math.min(...vs) >= 0.97, `worst IoU vs GDAL ${Math.min(...vs)}`);
  for (const f of collection.features) assert.equal(f.properties.area_m2, null);
});
