// Opening a GeoTIFF: double-click in the file browser → a FastSAM map in the raster's CRS, fitted to
// the raster, whose pixels match GDAL's own rendering of the file.
import { expect, test } from '@jupyterlab/galata';
import { ATLANTA, compareWithReference, gdalinfo, gdalPng, gotoLabWithHook, mapState, openMapByDoubleClick, shared } from './helpers';

test.use({ autoGoto: false });

test('double-clicking a GeoTIFF opens a map of it in its CRS, at its bounds, pixels as GDAL draws them', async ({ page }, testInfo) => {
  const file = shared('geotiff/spacenet-atlanta/sample_geotiff.tif');
  const gdal = gdalinfo(file);
  await gotoLabWithHook(page);
  const panel = await openMapByDoubleClick(page, ATLANTA);
  await expect(panel).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('.jp-mod-current[data-type="document-title"]')).toContainText('sample_geotiff.tif');

  const state = await mapState(page, ATLANTA);
  expect(state.projection).toBe(`EPSG:${gdal.epsg}`);
  // The raster extent OpenLayers read from the GeoTIFF equals GDAL's corner coordinates.
  for (let i = 0; i < 4; i++) expect(state.rasterExtent![i]).toBeCloseTo(gdal.extent[i], 3);
  // The view is fitted to it: the whole raster is visible, centred.
  const [vx0, vy0, vx1, vy1] = state.viewExtent;
  const [rx0, ry0, rx1, ry1] = gdal.extent;
  expect(vx0).toBeLessThanOrEqual(rx0);
  expect(vy0).toBeLessThanOrEqual(ry0);
  expect(vx1).toBeGreaterThanOrEqual(rx1);
  expect(vy1).toBeGreaterThanOrEqual(ry1);
  expect((vx0 + vx1) / 2).toBeCloseTo((rx0 + rx1) / 2, 0);
  expect((vy0 + vy1) / 2).toBeCloseTo((ry0 + ry1) / 2, 0);

  // Pixel check: the raster's rectangle on screen is not blank and correlates with GDAL's rendering.
  const [l, t, r, b] = state.rasterRect!;
  const shot = await page.screenshot({ clip: { x: l + 1, y: t + 1, width: r - l - 2, height: b - t - 2 } });
  await testInfo.attach('atlanta-map', { body: await page.screenshot(), contentType: 'image/png' });
  await page.screenshot({ path: testInfo.outputPath('atlanta-map.png') });
  // GDAL renders the file with the stretch the map shows (auto-stretched from the view: no engine here).
  const [[lo, hi]] = await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].view.display.stretch, ATLANTA);
  expect(hi).toBeGreaterThan(lo);
  const stats = await compareWithReference(page, shot.toString('base64'), gdalPng(file, lo, hi));
  console.log(`pixel check: std ${stats.std.toFixed(1)}, r vs GDAL ${stats.r.toFixed(3)}`);
  expect(stats.std).toBeGreaterThan(15);
  expect(stats.r).toBeGreaterThan(0.9);
});
