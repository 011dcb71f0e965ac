// What reaches an open map from outside: settings changed in the settings editor, a GeoJSON dragged
// from the file browser (lands at the right place: pixel check), the engine saying CLIP is not
// configured (text box disabled with a tooltip). A GeoJSON-file map keeps its edits in a sidecar like a
// raster map, and Download offers GeoPackage/FlatGeobuf/GeoParquet too (read back by GDAL).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { gotoLabWithHook, pagePixel, pixelColour, shot } from './helpers';
import { EPSG, RASTER, SQUARES, expectExtent, extentOf, openFixture, openMap, sidecarFile, world } from './squares';

test.use({ autoGoto: false });

const panelOf = (page: Page, path: string) => page.evaluate((p) => !!(window as any).__fastsamGeo.panels[p], path);

/** A GeoJSON (EPSG:32616, legacy "crs" member) with the fixture squares as polygons. */
function squaresGeoJSON(names: (keyof typeof SQUARES)[]): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${EPSG}` } },
    features: names.map((n) => {
      const e = extentOf(SQUARES[n]);
      return { type: 'Feature', properties: { name: n }, geometry: { type: 'Polygon', coordinates: [[[e[0], e[1]], [e[2], e[1]], [e[2], e[3]], [e[0], e[3]], [e[0], e[1]]]] } };
    })
  });
}

test('settings changes reach maps already open', async ({ page }, testInfo) => {
  await openFixture(page);
  const set = (key: string, value: unknown) =>
    page.evaluate(
      async ([k, v]) => {
        const registry = await (window as any).galata.getPlugin('@jupyterlab/apputils-extension:settings');
        await registry.set('fastsam-geo:plugin', k, v);
      },
      [key, value] as const
    );
  await set('textThreshold', 0.42);
  await expect(page.locator('.jp-FastSamGeo-threshold')).toHaveValue('0.42');
  await set('styles', { strokeWidth: 7, fillOpacity: 0.25, pointRadius: 6 });
  await expect.poll(() => page.evaluate((p) => (window as any).__fastsamGeo.panels[p].view.results.styles.normal.getStroke().getWidth(), RASTER)).toBe(7);
  // engine options are read when a job starts: the new overlap is sent
  await set('tileOverlap', 96);
  const job = page.waitForRequest((r) => r.url().includes('/fastsam-geo/api/jobs') && r.method() === 'POST');
  await page.locator('[data-action="everything"]').click();
  expect(JSON.parse((await job).postData() ?? '{}').options.overlap).toBe(96);
  await expect(page.locator('.jp-FastSamGeo-message')).toContainText('object(s) found in view', { timeout: 120000 });
  await shot(page, testInfo, 'settings-applied');
});

test('a GeoJSON dragged from the file browser onto the map lands at the right place', async ({ page }, testInfo) => {
  writeFileSync(sidecarFile('fixture/drop.geojson'), squaresGeoJSON(['redSmall']));
  await openFixture(page);
  await page.filebrowser.openDirectory('fixture');
  const s = SQUARES.redSmall;
  const [ix, iy] = await pagePixel(page, RASTER, world(s.x + s.side / 2, s.y + s.side / 2));
  const [ox, oy] = await pagePixel(page, RASTER, world(s.x + s.side / 2, s.y + s.side + 40));
  const before = { inside: await pixelColour(page, ix, iy), outside: await pixelColour(page, ox, oy) };
  // a real drag: press on the file, move past Lumino's drag threshold, over the map, release
  const item = page.locator('.jp-DirListing-item[title^="Name: drop.geojson"]').first();
  const box = (await item.boundingBox())!;
  await page.mouse.move(box.x + 30, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 60, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(ox, oy, { steps: 12 });
  await page.mouse.up();
  const row = page.locator('.jp-FastSamGeo-layer[data-run^="run-"]');
  await expect(row).toContainText('drop.geojson (1)');
  await page.waitForFunction((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    return new Promise((res) => v.map.once('rendercomplete', () => res(true)) && v.map.render());
  }, RASTER);
  await shot(page, testInfo, 'dropped-geojson');
  const extent = await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].view.results.features()[0].getGeometry().getExtent(), RASTER);
  expectExtent(extent, extentOf(s));
  const after = { inside: await pixelColour(page, ix, iy), outside: await pixelColour(page, ox, oy) };
  const diff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  console.log(`dropped layer pixels before ${JSON.stringify(before)} after ${JSON.stringify(after)}`);
  expect(diff(before.inside, after.inside)).toBeGreaterThan(15); // the polygon's fill over the red square
  expect(diff(before.outside, after.outside)).toBeLessThan(6); // nothing beside it
});

test('the text box is disabled with a tooltip when CLIP is not configured', async ({ page }, testInfo) => {
  // The suite's engine has the CLIP fixtures; this page sees an engine without them (its /models answer).
  await page.route(/\/fastsam-geo\/api\/models/, (r) =>
    r.fulfill({ contentType: 'application/json', body: JSON.stringify({ models: [{ name: 'fixture', kind: 'segment', path: '/m.onnx', present: true }] }) })
  );
  await openFixture(page);
  const text = page.locator('.jp-FastSamGeo-text');
  await expect(text).toBeDisabled();
  await expect(text).toHaveAttribute('title', /c\.FastSamGeo\.clip_vision.*jupyter_server_config\.py/);
  await expect(page.locator('[data-action="text"]')).toBeDisabled();
  await expect(page.locator('[data-action="everything"]')).toBeEnabled();
  await shot(page, testInfo, 'text-disabled-no-clip');
});

test('a GeoJSON-file map keeps its edits in a sidecar; Download offers FlatGeobuf (read back by GDAL)', async ({ page }, testInfo) => {
  const path = 'fixture/edit-me.geojson';
  const side = sidecarFile('fixture/edit-me.fastsam.geojson');
  writeFileSync(sidecarFile(path), squaresGeoJSON(['redSmall', 'magenta', 'redLarge']));
  await gotoLabWithHook(page);
  await openMap(page, path);
  const row = page.locator('.jp-FastSamGeo-layer[data-run^="run-"]');
  await expect(row).toContainText('edit-me.geojson (3)');
  expect(existsSync(side)).toBe(false); // opening writes nothing
  // delete one feature (select it, Delete)
  await page.evaluate((p) => {
    const panel = (window as any).__fastsamGeo.panels[p];
    panel.view.results.select(panel.view.results.features()[0]);
    panel.deleteSelected();
  }, path);
  await expect(row).toContainText('edit-me.geojson (2)');
  await expect.poll(() => (existsSync(side) ? JSON.parse(readFileSync(side, 'utf8')).features.length : -1), { timeout: 30000 }).toBe(2);
  // saved as far as the page knows (the save answered): not dirty any more
  await expect(page.locator('.jp-FastSamGeo-panel').last()).toHaveAttribute('data-dirty', 'false');
  // close and reopen: the edit is there, the file itself untouched
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('application:close-all'));
  await expect.poll(() => panelOf(page, path)).toBe(false);
  await openMap(page, path);
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toContainText('edit-me.geojson (2)');
  expect(JSON.parse(readFileSync(sidecarFile(path), 'utf8')).features).toHaveLength(3);
  await shot(page, testInfo, 'geojson-map-reopened');

  // Download → FlatGeobuf: the engine writes the bytes, GDAL reads 2 features
  const download = page.waitForEvent('download');
  await page.locator('[data-action="download"]').click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('select').selectOption({ label: 'FlatGeobuf (.fgb)' });
  await shot(page, testInfo, 'download-formats');
  await dialog.locator('.jp-mod-accept').click();
  const d = await download;
  expect(d.suggestedFilename()).toBe('edit-me-buildings.fgb');
  const file = testInfo.outputPath('edit-me-buildings.fgb');
  await d.saveAs(file);
  expect(execFileSync('ogrinfo', ['-so', '-al', file], { encoding: 'utf8' })).toMatch(/Feature Count: 2/);
});
