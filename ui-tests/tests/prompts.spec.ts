// Prompting the engine through Jupyter on the fixture raster (squares.ts) with the fixture models:
// point → the square clicked, box → the square boxed, text → the square(s) of that colour (with the
// threshold deciding which), and an engine error → a JupyterLab notification with the engine's message.
import { expect, galata, test } from '@jupyterlab/galata';
import { mapState, newPointRun, pagePixel } from './helpers';
import { RASTER, SQUARES, activeFeatures, expectExtent, extentOf, openFixture, squareOf, world } from './squares';

test.use({ autoGoto: false });
// These tests read one layer per run (the layerPerRun setting); the default, one accumulating
// output layer, is tested in output-layer.spec.ts.
test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'fastsam-geo:plugin': { layerPerRun: true } } });

test('a point on a square selects that square', async ({ page }, testInfo) => {
  await openFixture(page);
  await newPointRun(page, RASTER);
  await expect(page.locator('.jp-FastSamGeo-panel')).toHaveAttribute('data-tool', 'point');
  const s = SQUARES.redLarge;
  const [x, y] = await pagePixel(page, RASTER, world(s.x + s.side / 2, s.y + s.side / 2));
  await page.mouse.click(x, y);
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(1, { timeout: 120000 });
  const features = await activeFeatures(page);
  await page.screenshot({ path: testInfo.outputPath('point-prompt.png') });
  expect(features).toHaveLength(1);
  expectExtent(features[0].extent, extentOf(s));
});

test('a box around a square selects it', async ({ page }, testInfo) => {
  await openFixture(page);
  await page.locator('[data-action="tool-box"]').click();
  const s = SQUARES.redSmall;
  const [x1, y1] = await pagePixel(page, RASTER, world(s.x - 12, s.y - 12));
  const [x2, y2] = await pagePixel(page, RASTER, world(s.x + s.side + 12, s.y + s.side + 12));
  await page.mouse.move(x1, y1);
  await page.mouse.down();
  await page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, { steps: 4 });
  await page.mouse.move(x2, y2, { steps: 4 });
  await page.mouse.up();
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(1, { timeout: 120000 });
  await page.screenshot({ path: testInfo.outputPath('box-prompt.png') });
  const features = await activeFeatures(page);
  expect(features).toHaveLength(1);
  expectExtent(features[0].extent, extentOf(s));
});

// The fixture CLIP encoders embed a crop as its mean colour minus the grey level (neutral pixels count
// for nothing) and a text as the sum of its colour words' rows: red (2,−1,−1), blue (−1,−1,2). So the
// cosines are: "a blue roof" · magenta (1/3,−2/3,1/3) = 1/2, · red (2/3,−1/3,−1/3) = −1/2;
// "a red roof" · red = 1, · magenta = 1/2. With the threshold (mode "all"), blue at 0.2 selects the
// magenta square alone; red at 0.75 selects both red squares and not the magenta one.
test('a text prompt selects the objects of that colour above the threshold', async ({ page }, testInfo) => {
  await openFixture(page);
  const threshold = page.locator('.jp-FastSamGeo-threshold');
  await expect(threshold).toHaveValue('0.2'); // the textThreshold setting's default
  await page.locator('.jp-FastSamGeo-text').fill('a blue roof');
  await page.locator('[data-action="text"]').click();
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(1, { timeout: 120000 });
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toContainText('"a blue roof" (1)');
  await page.screenshot({ path: testInfo.outputPath('text-prompt-blue.png') });
  const blue = await activeFeatures(page);
  expect(blue).toHaveLength(1);
  expect(squareOf(blue[0].extent)).toBe('magenta');
  expectExtent(blue[0].extent, extentOf(SQUARES.magenta));
  expect(blue[0].properties.score).toBeCloseTo(0.5, 3);
  expect(blue[0].properties.prompt).toBe('text:a blue roof');

  await threshold.fill('0.75');
  await expect(page.locator('.jp-FastSamGeo-thresholdValue')).toHaveText('0.75');
  await page.locator('.jp-FastSamGeo-text').fill('a red roof');
  await page.locator('.jp-FastSamGeo-text').press('Enter');
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(2, { timeout: 120000 });
  await expect(page.locator('.jp-FastSamGeo-layer[data-run="run-2"]')).toContainText('"a red roof" (2)');
  await page.screenshot({ path: testInfo.outputPath('text-prompt-red.png') });
  const red = await activeFeatures(page);
  expect(red.map((f) => squareOf(f.extent)).sort()).toEqual(['red-large', 'red-small']);
  for (const f of red) expect(f.properties.score).toBeCloseTo(1, 3);
});

test('an engine error (a box outside the raster) shows as a notification with the engine message', async ({ page }, testInfo) => {
  await openFixture(page);
  // Zoom out so that the map shows ground outside the raster, then draw a box there.
  await page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view.map.getView();
    v.setResolution(v.getResolution() * 3);
  }, RASTER);
  await page.locator('[data-action="tool-box"]').click();
  const [x1, y1] = await pagePixel(page, RASTER, world(-90, 400));
  const [x2, y2] = await pagePixel(page, RASTER, world(-30, 460));
  const { mapRect, rasterRect } = await mapState(page, RASTER);
  expect(x1).toBeGreaterThan(mapRect[0]);
  expect(x2).toBeLessThan(rasterRect![0]);
  await page.mouse.move(x1, y1);
  await page.mouse.down();
  await page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, { steps: 3 });
  await page.mouse.move(x2, y2, { steps: 3 });
  await page.mouse.up();
  // The engine's OUT_OF_BOUNDS message (src/engine/server/engine-backend.ts), carried through the proxy.
  const toast = page.locator('.Toastify__toast', { hasText: 'the prompt lies outside fixture/squares.tif' });
  await expect(toast).toBeVisible({ timeout: 120000 });
  await expect(toast).toContainText('FastSAM: box prompt failed');
  await expect(toast).toContainText('(1024×1024 pixels) [OUT_OF_BOUNDS]');
  await expect(page.locator('.jp-FastSamGeo-message')).toContainText('the prompt lies outside fixture/squares.tif');
  // (the toast slides in from the right: screenshot it once it is all inside the page)
  await expect.poll(async () => { const b = await toast.boundingBox(); return b !== null && b.x + b.width <= page.viewportSize()!.width; }).toBe(true);
  await page.screenshot({ path: testInfo.outputPath('engine-error-notification.png') });
  await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(0);
});
