// GeoJSON on the map: a projected layer (legacy "crs" member, EPSG:32616) opens on a FastSAM map;
// click to identify, delete, undo (Ctrl+Z), then "Export…" writes a new file beside it through the
// contents API, which appears in the file browser with exactly the edited features.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@jupyterlab/galata';
import { gotoLabWithHook, openMapByDoubleClick, pagePixel, shared } from './helpers';

test.use({ autoGoto: false });

const LABELS = 'data/spacenet-atlanta/geotiff_labels.geojson';

/** The labels reprojected to WGS84 by GDAL (the outside reading of the same file). */
function ogrWgs84(file: string): any {
  return JSON.parse(execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', 'EPSG:4326', '/vsistdout/', file], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

function ring0(f: any): number[][] {
  return f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
}

test('a projected GeoJSON opens on the map; identify, delete, undo and export into the file browser', async ({ page }, testInfo) => {
  const file = shared('geotiff/spacenet-atlanta/geotiff_labels.geojson');
  const gdal = ogrWgs84(file);
  await gotoLabWithHook(page);
  const panel = await openMapByDoubleClick(page, LABELS);
  await expect(panel).toHaveAttribute('data-state', 'ready');
  const layerRow = panel.locator('.jp-FastSamGeo-layer[data-run^="run-"]');
  await expect(layerRow).toHaveCount(1);
  await expect(layerRow).toContainText(`(${gdal.features.length})`);
  await page.screenshot({ path: testInfo.outputPath('labels-map.png') });

  // The layer read in the browser, written back as WGS84, matches GDAL's reprojection vertex by vertex.
  const mine = await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].view.results.toGeoJSON(), LABELS);
  expect(mine.features).toHaveLength(gdal.features.length);
  for (let i = 0; i < gdal.features.length; i++) {
    const a = ring0(mine.features[i]);
    const b = ring0(gdal.features[i]);
    expect(a).toHaveLength(b.length);
    for (let k = 0; k < a.length; k++) {
      expect(Math.abs(a[k][0] - b[k][0])).toBeLessThan(1e-7);
      expect(Math.abs(a[k][1] - b[k][1])).toBeLessThan(1e-7);
    }
  }

  // Click inside the first building → identify popup → Delete.
  const inside = await page.evaluate((p) => {
    const view = (window as any).__fastsamGeo.panels[p].view;
    const f = view.map.getAllLayers().find((l: any) => l.get('fsgRun')).getSource().getFeatures()
      .find((x: any) => String(x.getId()).endsWith(':0') || true);
    return { id: f.getId(), point: f.getGeometry().getInteriorPoint().getCoordinates().slice(0, 2) };
  }, LABELS);
  const [x, y] = await pagePixel(page, LABELS, inside.point);
  await page.mouse.click(x, y);
  const popup = page.locator('.jp-FastSamGeo-popup');
  await expect(popup.locator('[data-key="id"]')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('labels-identify.png') });
  await popup.locator('.jp-FastSamGeo-deleteFeature').click();
  await expect(layerRow).toContainText(`(${gdal.features.length - 1})`);

  // Undo from the keyboard (Accel Z on the map), then delete again through the popup.
  await page.locator('.jp-FastSamGeo-map').focus();
  await page.keyboard.press('Control+z');
  await expect(layerRow).toContainText(`(${gdal.features.length})`);
  await page.waitForTimeout(500);
  const [x2, y2] = await pagePixel(page, LABELS, inside.point);
  await page.mouse.click(x2, y2);
  await popup.locator('.jp-FastSamGeo-deleteFeature').click();
  await expect(layerRow).toContainText(`(${gdal.features.length - 1})`);

  // Export… → name dialog → saved beside the source, listed in the file browser, same features.
  await panel.locator('[data-action="export"]').click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('input').fill('labels-edited.geojson');
  await page.screenshot({ path: testInfo.outputPath('labels-export-dialog.png') });
  await dialog.locator('.jp-mod-accept').click();
  // The file browser still shows data/spacenet-atlanta (the GeoJSON was opened from there); wait for the
  // complete file on disk (Jupyter writes it in place), then for the listing.
  const root = process.env.FSG_UI_ROOT!;
  const exported = join(root, 'data/spacenet-atlanta/labels-edited.geojson');
  await expect.poll(() => { try { return JSON.parse(readFileSync(exported, 'utf8')).type; } catch { return null; } }).toBe('FeatureCollection');
  await page.filebrowser.refresh();
  await expect(page.locator('.jp-DirListing-item[title^="Name: labels-edited.geojson"]')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('labels-exported.png') });
  const written = JSON.parse(readFileSync(exported, 'utf8'));
  const expected = await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].view.results.toGeoJSON(), LABELS);
  expect(written.type).toBe('FeatureCollection');
  expect(written.features).toHaveLength(gdal.features.length - 1);
  expect(written).toEqual(expected);
  // The deleted building is the one that is gone.
  const remaining = new Set(written.features.map((f: any) => JSON.stringify(ring0(f)[0])));
  const missing = gdal.features.filter((f: any) => {
    const v = ring0(f)[0];
    return ![...remaining].some((r) => {
      const w = JSON.parse(r);
      return Math.abs(w[0] - v[0]) < 1e-7 && Math.abs(w[1] - v[1]) < 1e-7;
    });
  });
  expect(missing).toHaveLength(1);
});
