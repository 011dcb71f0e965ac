// Point-prompt regressions: the first action failed with a fixed-size model (the map sent its own
// tile size); a click outside the raster left a marker that made every later click fail; P again kept
// the old markers; a point inside a polygon of "Everything in view" could select nothing (answered by
// one overlapping tile only). And the click → polygon latency, reported (no timing assertion).
import { expect, galata, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { pagePixel, shot } from './helpers';
import { RASTER, SQUARES, activeFeatures, expectExtent, extentOf, openFixture, squareOf, world } from './squares';

test.use({ autoGoto: false });
// These tests read one layer per run (the layerPerRun setting); the default, one accumulating
// output layer, is tested in output-layer.spec.ts.
test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'fastsam-geo:plugin': { layerPerRun: true } } });

const markers = (page: Page) => page.evaluate((p) => (window as any).__fastsamGeo.panels[p].view.tools.points().length, RASTER);

async function click(page: Page, col: number, row: number): Promise<void> {
  const [x, y] = await pagePixel(page, RASTER, world(col, row));
  await page.mouse.click(x, y);
}

test('first action fails: with a fixed-size model (512) and default settings, a point is answered', async ({ page }, testInfo) => {
  const sent: any[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/fastsam-geo/api/prompt')) sent.push(JSON.parse(r.postData() ?? '{}'));
  });
  await openFixture(page);
  await page.locator('[data-action="tool-point"]').click();
  const s = SQUARES.magenta;
  await click(page, s.x + s.side / 2, s.y + s.side / 2);
  await expect(page.locator('.jp-FastSamGeo-message')).toContainText('1 object(s) selected', { timeout: 120000 });
  expect(sent[0].options.tileSize).toBeUndefined(); // the engine uses the model's own size
  expectExtent((await activeFeatures(page))[0].extent, extentOf(s));
  await shot(page, testInfo, 'first-point');
});

test('a click outside the raster does not poison later clicks; P again clears the old markers', async ({ page }, testInfo) => {
  await openFixture(page);
  await page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view.map.getView();
    v.setResolution(v.getResolution() * 2);
  }, RASTER);
  await page.locator('.jp-FastSamGeo-map').focus();
  await page.keyboard.press('p');
  await click(page, -40, 300);
  await expect(page.locator('.jp-FastSamGeo-message')).toContainText('outside the raster');
  expect(await markers(page)).toBe(0);
  const a = SQUARES.redSmall;
  await click(page, a.x + a.side / 2, a.y + a.side / 2);
  await expect(page.locator('.jp-FastSamGeo-message')).toContainText('1 object(s) selected by 1 point', { timeout: 120000 });
  expect(squareOf((await activeFeatures(page))[0].extent)).toBe('red-small');
  // P again: a new run with no old markers
  await page.keyboard.press('p');
  expect(await markers(page)).toBe(0);
  const b = SQUARES.redLarge;
  await click(page, b.x + b.side / 2, b.y + b.side / 2);
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(2, { timeout: 120000 });
  expect(await markers(page)).toBe(1);
  const f = await activeFeatures(page);
  expect(f.map((x) => squareOf(x.extent))).toEqual(['red-large']);
  await shot(page, testInfo, 'p-again');
});

test('a point inside every polygon of Everything in view selects it; click → polygon latency reported', async ({ page }, testInfo) => {
  await openFixture(page);
  await page.locator('.jp-FastSamGeo-map').focus();
  await page.keyboard.press('e');
  await expect(page.locator('.jp-FastSamGeo-message')).toHaveText('3 object(s) found in view', { timeout: 120000 });
  const interiors: { name: string; point: number[] }[] = await page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    return v.results.features().map((f: any) => ({ name: '', extent: f.getGeometry().getExtent(), point: f.getGeometry().getInteriorPoint().getCoordinates().slice(0, 2) }));
  }, RASTER);
  const latencies: number[] = [];
  for (const it of interiors) {
    await page.locator('.jp-FastSamGeo-map').focus();
    await page.keyboard.press('p'); // a fresh point run for each
    const before = await page.locator('.jp-FastSamGeo-layer[data-run^="run-"]').count();
    const [x, y] = await pagePixel(page, RASTER, it.point as [number, number]);
    await page.mouse.click(x, y);
    await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(before + 1, { timeout: 120000 });
    const got = await activeFeatures(page);
    expect(got).toHaveLength(1);
    const inside = got[0].extent[0] <= it.point[0] && it.point[0] <= got[0].extent[2] && got[0].extent[1] <= it.point[1] && it.point[1] <= got[0].extent[3];
    expect(inside).toBe(true);
    await expect.poll(() => page.evaluate((p) => (window as any).__fastsamGeo.panels[p].lastPointLatency, RASTER)).not.toBeNull();
    latencies.push(await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].lastPointLatency, RASTER));
    await page.evaluate((p) => ((window as any).__fastsamGeo.panels[p].lastPointLatency = null), RASTER);
  }
  latencies.sort((a, b) => a - b);
  const median = latencies[Math.floor(latencies.length / 2)];
  console.log(`click → polygon drawn on a segmented area: median ${median.toFixed(0)} ms (${latencies.map((l) => l.toFixed(0)).join(', ')})`);
  testInfo.annotations.push({ type: 'latency', description: `click → polygon median ${median.toFixed(0)} ms` });
  await shot(page, testInfo, 'points-on-everything');
});
