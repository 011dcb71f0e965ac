// Prompting the engine through Jupyter on the fixture raster (ui-tests/write-fixtures.mjs: grey 1024²,
// 0.5 m, EPSG:32616, a red square at (128,128) side 112, a magenta one at (512,128) side 112, a red
// one at (256,512) side 224) with the fixture models (they detect exactly those squares).
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { gotoLabWithHook, pagePixel, waitForMap } from '../tests/helpers';

test.use({ autoGoto: false });

const RASTER = 'fixture/squares.tif';
const X0 = 733601;
const Y0 = 3725139;
const RES = 0.5;
const world = (col: number, row: number): [number, number] => [X0 + col * RES, Y0 - row * RES];
const SQUARES = {
  redSmall: { x: 128, y: 128, side: 112 },
  magenta: { x: 512, y: 128, side: 112 },
  redLarge: { x: 256, y: 512, side: 224 }
};
/** The square's extent in EPSG:32616 [minx, miny, maxx, maxy]. */
function extentOf(s: { x: number; y: number; side: number }): number[] {
  const [minx, maxy] = world(s.x, s.y);
  const [maxx, miny] = world(s.x + s.side, s.y + s.side);
  return [minx, miny, maxx, maxy];
}

async function openFixture(page: Page & { goto: () => Promise<void> }): Promise<void> {
  await gotoLabWithHook(page as never);
  await page.evaluate((p) => (window as any).jupyterapp.commands.execute('docmanager:open', { path: p, factory: 'FastSAM map' }), RASTER);
  await waitForMap(page, RASTER);
}

/** Extents (view CRS = EPSG:32616) of the features of the active layer. */
async function activeExtents(page: Page): Promise<number[][]> {
  return page.evaluate((p) => {
    const view = (window as any).__fastsamGeo.panels[p].view;
    const active = view.results.active;
    const layer = view.map.getAllLayers().find((l: any) => l.get('fsgRun') === active);
    return layer.getSource().getFeatures().map((f: any) => f.getGeometry().getExtent());
  }, RASTER);
}

function expectExtent(actual: number[], expected: number[], tol = 1.0): void {
  for (let i = 0; i < 4; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tol);
}

test('a point on a square selects that square', async ({ page }, testInfo) => {
  await openFixture(page as never);
  await page.locator('.jp-FastSamGeo-map').focus();
  await page.keyboard.press('p');
  await expect(page.locator('.jp-FastSamGeo-panel')).toHaveAttribute('data-tool', 'point');
  const s = SQUARES.redLarge;
  const [x, y] = await pagePixel(page, RASTER, world(s.x + s.side / 2, s.y + s.side / 2));
  await page.mouse.click(x, y);
  await expect(page.locator('.jp-FastSamGeo-layer')).toHaveCount(1, { timeout: 120000 });
  const extents = await activeExtents(page);
  await page.screenshot({ path: testInfo.outputPath('point-prompt.png') });
  expect(extents).toHaveLength(1);
  expectExtent(extents[0], extentOf(s));
});

test('a box around a square selects it', async ({ page }, testInfo) => {
  await openFixture(page as never);
  await page.locator('[data-action="tool-box"]').click();
  const s = SQUARES.redSmall;
  const [x1, y1] = await pagePixel(page, RASTER, world(s.x - 12, s.y - 12));
  const [x2, y2] = await pagePixel(page, RASTER, world(s.x + s.side + 12, s.y + s.side + 12));
  await page.mouse.move(x1, y1);
  await page.mouse.down();
  await page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, { steps: 4 });
  await page.mouse.move(x2, y2, { steps: 4 });
  await page.mouse.up();
  await expect(page.locator('.jp-FastSamGeo-layer')).toHaveCount(1, { timeout: 120000 });
  await page.screenshot({ path: testInfo.outputPath('box-prompt.png') });
  const extents = await activeExtents(page);
  expect(extents).toHaveLength(1);
  expectExtent(extents[0], extentOf(s));
});

test('a text prompt selects the object of that colour', async ({ page }, testInfo) => {
  await openFixture(page as never);
  await page.locator('.jp-FastSamGeo-text').fill('a blue roof');
  await page.locator('[data-action="text"]').click();
  await expect(page.locator('.jp-FastSamGeo-layer')).toHaveCount(1, { timeout: 120000 });
  await page.screenshot({ path: testInfo.outputPath('text-prompt.png') });
  const extents = await activeExtents(page);
  // "blue" scores highest on the magenta square (red + blue), not on the red ones.
  expect(extents.length).toBeGreaterThanOrEqual(1);
  expectExtent(extents[0], extentOf(SQUARES.magenta));
});
