// Regression tests for "work is lost": closing a map tab or reloading the page dropped every result
// layer and edit, and Export… silently overwrote a file. Now the layers are saved beside the raster
// (fixture/squares.fastsam.geojson, through the contents API) and restored; unsaved edits make the
// document dirty (closing asks); Export… asks before replacing a file.
import { existsSync, readFileSync } from 'node:fs';
import { expect, galata, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { gotoLabWithHook, newPointRun, pagePixel, shot } from './helpers';
import { RASTER, SQUARES, expectExtent, extentOf, openFixture, openMap, sidecarFile, world } from './squares';

test.use({ autoGoto: false });
// These tests read one layer per run (the layerPerRun setting); the default, one accumulating
// output layer, is tested in output-layer.spec.ts.
test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'fastsam-geo:plugin': { layerPerRun: true } } });

const features = (page: Page) =>
  page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p]?.view;
    return v ? v.results.list().map((r: any) => ({ title: r.title, count: r.count, extents: v.results.features(r.id).map((f: any) => f.getGeometry().getExtent()) })) : null;
  }, RASTER);

async function pointOn(page: Page, s: { x: number; y: number; side: number }): Promise<void> {
  const [x, y] = await pagePixel(page, RASTER, world(s.x + s.side / 2, s.y + s.side / 2));
  await page.mouse.click(x, y);
}

async function closeMap(page: Page): Promise<void> {
  await page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.close());
}

// null while the sidecar is missing or still being written (Jupyter writes files in place).
const onDisk = () => {
  try {
    return existsSync(sidecarFile()) ? JSON.parse(readFileSync(sidecarFile(), 'utf8')) : null;
  } catch {
    return null;
  }
};

test('work is lost: layers are saved beside the raster and restored after closing the tab and after a reload', async ({ page }, testInfo) => {
  await openFixture(page);
  await newPointRun(page, RASTER);
  await pointOn(page, SQUARES.redLarge);
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(1, { timeout: 120000 });
  await newPointRun(page, RASTER);
  await pointOn(page, SQUARES.magenta);
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(2, { timeout: 120000 });
  // saved shortly after the change: both layers, with the display state
  await expect.poll(() => onDisk()?.features?.length, { timeout: 30000 }).toBe(2);
  expect(onDisk().fastsam.layers.map((l: any) => l.title)).toEqual(['points: 1 point', 'points: 1 point']);
  await expect(page.locator('.jp-FastSamGeo-panel')).toHaveAttribute('data-dirty', 'false');
  const before = await features(page);

  await closeMap(page);
  await expect(page.locator('.jp-FastSamGeo-panel')).toHaveCount(0);
  await openMap(page, RASTER);
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(2);
  const reopened = await features(page);
  expect(reopened!.map((r: any) => r.count)).toEqual([1, 1]);
  expectExtent(reopened![0].extents[0], extentOf(SQUARES.redLarge));
  expectExtent(reopened![1].extents[0], extentOf(SQUARES.magenta));
  expect(reopened!.map((r: any) => r.title)).toEqual(before!.map((r: any) => r.title));
  await shot(page, testInfo, 'restored-after-close');

  await gotoLabWithHook(page);
  // JupyterLab reopens the map from its layout, or we open it again: either way the layers come back
  if ((await page.locator('.jp-FastSamGeo-panel').count()) === 0) await openMap(page, RASTER);
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(2, { timeout: 120000 });
  await shot(page, testInfo, 'restored-after-reload');
});

test('unsaved edits make the map dirty; closing asks, and Save writes the sidecar', async ({ page }, testInfo) => {
  await openFixture(page);
  await page.locator('[data-action="tool-box"]').click();
  const s = SQUARES.redSmall;
  const [x1, y1] = await pagePixel(page, RASTER, world(s.x - 12, s.y - 12));
  const [x2, y2] = await pagePixel(page, RASTER, world(s.x + s.side + 12, s.y + s.side + 12));
  await page.mouse.move(x1, y1);
  await page.mouse.down();
  await page.mouse.move(x2, y2, { steps: 5 });
  await page.mouse.up();
  await expect.poll(() => onDisk()?.features?.length, { timeout: 120000 }).toBe(1);
  // hold the next save back so the edit stays unsaved, then remove the layer and close the tab
  await page.evaluate((p) => ((window as any).__fastsamGeo.panels[p].sidecar.delayMs = 600000), RASTER);
  await page.locator('.jp-FastSamGeo-layer[data-run^="run-"] [data-action="remove-layer"]').click();
  await expect(page.locator('.jp-FastSamGeo-panel')).toHaveAttribute('data-dirty', 'true');
  await expect(page.locator('.jp-mod-current.jp-mod-dirty')).toHaveCount(1);
  await closeMap(page);
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  await shot(page, testInfo, 'close-asks');
  await dialog.locator('.jp-mod-accept').last().click();
  await expect(page.locator('.jp-FastSamGeo-panel')).toHaveCount(0);
  await expect.poll(() => onDisk()?.features?.length).toBe(0);
});

test('export never overwrites without asking', async ({ page }, testInfo) => {
  await openFixture(page);
  await page.locator('.jp-FastSamGeo-map').focus();
  await page.keyboard.press('e');
  await expect(page.locator('.jp-FastSamGeo-message')).toHaveText('3 object(s) found in view', { timeout: 120000 });
  const name = 'squares-all.geojson';
  const file = sidecarFile(`fixture/${name}`);
  const exportAs = async () => {
    await page.locator('[data-action="export"]').click();
    const d = page.locator('.jp-Dialog');
    await d.locator('input').fill(name);
    await d.locator('.jp-mod-accept').click();
  };
  await exportAs();
  // Jupyter writes the file in place: poll until it parses whole.
  const features = (): number => { try { return JSON.parse(readFileSync(file, 'utf8')).features.length; } catch { return -1; } };
  await expect.poll(features).toBe(3);
  // one feature less, then the same name again: asked; Cancel keeps the file
  await page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    v.results.select(v.results.features()[0]);
    v.results.deleteSelected();
  }, RASTER);
  await exportAs();
  const ask = page.locator('.jp-Dialog', { hasText: 'Replace the file?' });
  await expect(ask).toBeVisible();
  await shot(page, testInfo, 'export-asks');
  await ask.locator('.jp-mod-reject').click();
  await expect(page.locator('.jp-FastSamGeo-message')).toContainText('export cancelled');
  expect(JSON.parse(readFileSync(file, 'utf8')).features).toHaveLength(3);
  // and Replace replaces it
  await exportAs();
  await page.locator('.jp-Dialog', { hasText: 'Replace the file?' }).locator('.jp-mod-accept').click();
  await expect.poll(features).toBe(2);
});
