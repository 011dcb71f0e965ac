// Export of a prompt result on a raster map: right-click → "Export layer as GeoJSON…" → the file is
// saved beside the raster, listed in the file browser, and its features are the layer's, checked
// against the known squares by GDAL (ogr2ogr reprojects the written WGS84 file back to EPSG:32616).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, galata, test } from '@jupyterlab/galata';
import { RASTER, SQUARES, EPSG, expectExtent, extentOf, openFixture, squareOf } from './squares';

test.use({ autoGoto: false });
// These tests read one layer per run (the layerPerRun setting); the default, one accumulating
// output layer, is tested in output-layer.spec.ts.
test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'fastsam-geo:plugin': { layerPerRun: true } } });

/** A GeoJSON file reprojected by GDAL to EPSG:code. */
function ogrTo(file: string, code: number): any {
  return JSON.parse(execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', `EPSG:${code}`, '/vsistdout/', file], { encoding: 'utf8' }));
}

function bbox(coords: number[][]): number[] {
  const xs = coords.map((c) => c[0]);
  const ys = coords.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

test('a text prompt layer exported as GeoJSON lands in the file browser with the squares', async ({ page }, testInfo) => {
  await openFixture(page);
  // "a red roof" at the default threshold 0.2: the red squares (cosine 1) and the magenta one (1/2).
  await page.locator('.jp-FastSamGeo-text').fill('a red roof');
  await page.locator('[data-action="text"]').click();
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toContainText('"a red roof" (3)', { timeout: 120000 });

  await page.locator('.jp-FastSamGeo-map').click({ button: 'right' });
  const item = page.locator('.lm-Menu-item', { hasText: 'Export layer as GeoJSON' });
  await expect(item).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('export-context-menu.png') });
  await item.click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('input')).toHaveValue('squares-buildings.geojson');
  await dialog.locator('input').fill('squares-red.geojson');
  await dialog.locator('.jp-mod-accept').click();
  await expect(page.locator('.Toastify__toast', { hasText: 'Exported 3 feature(s) to fixture/squares-red.geojson' })).toBeVisible();

  await page.filebrowser.openDirectory('fixture');
  await page.filebrowser.refresh();
  await expect(page.locator('.jp-DirListing-item[title^="Name: squares-red.geojson"]')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('export-file-browser.png') });

  const file = join(process.env.FSG_UI_ROOT!, 'fixture', 'squares-red.geojson');
  const written = JSON.parse(readFileSync(file, 'utf8'));
  // The file is the layer as shown (RFC 7946: WGS84 longitude/latitude, no "crs" member).
  const layer = await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].view.results.toGeoJSON(), RASTER);
  expect(written).toEqual(layer);
  expect(written.crs).toBeUndefined();
  expect(written.features).toHaveLength(3);
  for (const f of written.features) {
    const [lon, lat] = f.geometry.coordinates[0][0];
    expect(lon).toBeGreaterThan(-84.6);
    expect(lon).toBeLessThan(-84.3);
    expect(lat).toBeGreaterThan(33.5);
    expect(lat).toBeLessThan(33.8);
  }
  // GDAL's reading: back in the raster's CRS, each feature is one of the known squares.
  const utm = ogrTo(file, EPSG);
  const byName = new Map<string, any>();
  for (const f of utm.features) {
    expect(f.geometry.type).toBe('Polygon');
    const e = bbox(f.geometry.coordinates[0]);
    const name = squareOf(e);
    expect(name, `feature ${f.properties.id} at ${e}`).not.toBeNull();
    byName.set(name!, f);
  }
  expect([...byName.keys()].sort()).toEqual(['magenta', 'red-large', 'red-small']);
  for (const s of Object.values(SQUARES)) {
    const f = byName.get(s.name);
    expectExtent(bbox(f.geometry.coordinates[0]), extentOf(s));
    expect(f.properties.score).toBeCloseTo(s.name === 'magenta' ? 0.5 : 1, 3);
    expect(f.properties.prompt).toBe('text:a red roof');
  }
  // Area: the large square is 112 m a side (outlines are within a pixel, 0.5 m, of its edges).
  expect(Math.abs(byName.get('red-large').properties.area_m2 - 112 * 112)).toBeLessThan(2 * 112 * 0.5 + 1);
});
