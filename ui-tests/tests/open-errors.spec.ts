// Regression tests named after what broke when opening files: a broken TIFF hung the tab (and the
// toolbar threw TypeErrors); a raster without georeferencing was drawn under a metric scale bar and
// "Everything in view" failed with "give a pixel window". The fixtures (write-fixtures.mjs):
// fixture/broken.tif (a text file), fixture/pixels.tif (the squares without geotransform or CRS).
import { expect, test } from '@jupyterlab/galata';
import { collectPageErrors, newPointRun, shot } from './helpers';
import { SQUARES, openFixture } from './squares';

test.use({ autoGoto: false });

test('broken TIFF hangs the tab: now the panel shows the error, a notification says it, the tools are off', async ({ page }, testInfo) => {
  const errors = collectPageErrors(page);
  await openFixture(page, { path: 'fixture/broken.tif' });
  const panel = page.locator('.jp-FastSamGeo-panel');
  await expect(panel).toHaveAttribute('data-state', 'error');
  const notice = panel.locator('.jp-FastSamGeo-notice.jp-mod-error');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('Cannot open fixture/broken.tif');
  await expect(page.locator('.Toastify__toast', { hasText: 'FastSAM: cannot open fixture/broken.tif' })).toBeVisible();
  for (const action of ['everything', 'tool-point', 'tool-box', 'text', 'undo', 'export', 'fit']) {
    await expect(panel.locator(`[data-action="${action}"]`)).toBeDisabled();
  }
  // The commands (shortcuts, palette, context menu) are off for it and do nothing when forced.
  const enabled = await page.evaluate(() => (window as any).jupyterapp.commands.isEnabled('fastsam-geo:everything-in-view'));
  expect(enabled).toBe(false);
  await page.evaluate(async () => {
    const c = (window as any).jupyterapp.commands;
    for (const id of ['fastsam-geo:everything-in-view', 'fastsam-geo:tool-point', 'fastsam-geo:fit', 'fastsam-geo:undo']) await c.execute(id);
  });
  await shot(page, testInfo, 'broken-tiff');
  expect(errors).toEqual([]);
});

test('no georeferencing: the raster opens in pixel coordinates (said so, no scale bar) and the tools work in pixels', async ({ page }, testInfo) => {
  const PIXELS = 'fixture/pixels.tif';
  await openFixture(page, { path: PIXELS });
  const panel = page.locator('.jp-FastSamGeo-panel');
  await expect(panel).toHaveAttribute('data-state', 'ready');
  await expect(panel.locator('.jp-FastSamGeo-notice')).toContainText('No georeferencing: shown in pixel coordinates');
  await expect(panel.locator('.ol-scale-line')).toHaveCount(0);
  const state = await page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    return { pixelMode: v.pixelMode, extent: v.rasterExtent, units: v.map.getView().getProjection().getUnits() };
  }, PIXELS);
  expect(state).toEqual({ pixelMode: true, extent: [0, 0, 1024, 1024], units: 'pixels' });
  await shot(page, testInfo, 'pixels-open');

  // Everything in view: a job on a pixel window → the three squares, in pixel coordinates (y down).
  await panel.locator('[data-action="everything"]').click();
  await expect(panel.locator('.jp-FastSamGeo-message')).toHaveText('3 object(s) found in view', { timeout: 120000 });
  const boxes = await page.evaluate((p) => {
    const fc = (window as any).__fastsamGeo.panels[p].view.results.toGeoJSON();
    return fc.features.map((f: any) => {
      const ring = f.geometry.coordinates[0];
      const xs = ring.map((c: number[]) => c[0]);
      const ys = ring.map((c: number[]) => c[1]);
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    });
  }, PIXELS);
  const expected = Object.values(SQUARES).map((s) => [s.x, s.y, s.x + s.side, s.y + s.side]);
  for (const e of expected) {
    expect(boxes.some((b: number[]) => b.every((v, i) => Math.abs(v - e[i]) <= 2)), `square ${e} in ${JSON.stringify(boxes)}`).toBe(true);
  }
  await shot(page, testInfo, 'pixels-everything');

  // A point on the large square (pixel 368, 624 → map y = 1024 − 624) selects it.
  await newPointRun(page, PIXELS);
  const [x, y] = await page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    const r = v.element.getBoundingClientRect();
    const px = v.map.getPixelFromCoordinate([368, 1024 - 624]);
    return [r.left + px[0], r.top + px[1]];
  }, PIXELS);
  await page.mouse.click(x, y);
  await expect(panel.locator('.jp-FastSamGeo-message')).toContainText('1 object(s) selected by 1 point', { timeout: 120000 });
  await expect(panel.locator('.jp-FastSamGeo-coords')).toContainText('(pixels)');
  await shot(page, testInfo, 'pixels-point');
});
