// The default result layout (Geo-SAM's habit): one output layer accumulates the objects of every
// prompt; a prompt that finds nothing adds no empty layer, and a text prompt says its best score.
import { expect, test } from '@jupyterlab/galata';
import { pagePixel, shot } from './helpers';
import { RASTER, SQUARES, activeFeatures, openFixture, squareOf, world } from './squares';

test.use({ autoGoto: false });

test('one output layer accumulates the objects of every prompt; nothing found → no empty layer, the best score said', async ({ page }, testInfo) => {
  await openFixture(page);
  const rows = page.locator('.jp-FastSamGeo-layer[data-run^="run-"]');
  // a box around the small red square
  await page.locator('[data-action="tool-box"]').click();
  const s = SQUARES.redSmall;
  const [x1, y1] = await pagePixel(page, RASTER, world(s.x - 12, s.y - 12));
  const [x2, y2] = await pagePixel(page, RASTER, world(s.x + s.side + 12, s.y + s.side + 12));
  await page.mouse.move(x1, y1);
  await page.mouse.down();
  await page.mouse.move(x2, y2, { steps: 5 });
  await page.mouse.up();
  await expect(rows).toHaveText(/FastSAM output \(1\)/, { timeout: 120000 });
  // a text prompt: the magenta square joins the same layer
  await page.locator('.jp-FastSamGeo-text').fill('a blue roof');
  await page.locator('[data-action="text"]').click();
  await expect(rows).toHaveText(/FastSAM output \(2\)/, { timeout: 120000 });
  const names = (await activeFeatures(page)).map((f) => [squareOf(f.extent), f.properties.prompt]);
  expect(names).toEqual([['red-small', 'box'], ['magenta', 'text:a blue roof']]);
  // nothing above 0.9 for "a blue roof" (its best is the magenta square's 1/2): no new layer, the score said
  await page.locator('.jp-FastSamGeo-threshold').fill('0.9');
  await page.locator('.jp-FastSamGeo-text').press('Enter');
  await expect(page.locator('.jp-FastSamGeo-message')).toContainText('nothing above the threshold (best score 0.500)', { timeout: 120000 });
  await expect(rows).toHaveCount(1);
  await expect(rows).toHaveText(/FastSAM output \(2\)/);
  await shot(page, testInfo, 'output-layer');

  // usable at 760 px: the toolbar wraps, the side panel narrows and folds away, the map keeps its room
  await page.setViewportSize({ width: 760, height: 860 });
  await page.evaluate(() => (window as any).jupyterapp.shell.collapseLeft());
  const map = page.locator('.jp-FastSamGeo-map');
  await expect.poll(async () => (await map.boundingBox())!.width).toBeGreaterThan(300);
  for (const a of ['everything', 'tool-point', 'export', 'toggle-side']) await expect(page.locator(`[data-action="${a}"]`)).toBeInViewport();
  await shot(page, testInfo, 'narrow-760');
  await page.locator('[data-action="toggle-side"]').click();
  await expect(page.locator('.jp-FastSamGeo-side')).toBeHidden();
  await expect.poll(async () => (await map.boundingBox())!.width).toBeGreaterThan(600);
  await shot(page, testInfo, 'narrow-760-side-folded');

  // dark theme: the active tool button stays readable (WCAG contrast of its text on its background ≥ 3)
  await (page as any).theme.setDarkTheme();
  await page.locator('[data-action="tool-box"]').click();
  const contrast = await page.locator('[data-action="tool-box"]').evaluate((b) => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = (c: string) => {
      const [r, g, bl] = rgb(c).map((v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    };
    const st = getComputedStyle(b);
    const [l1, l2] = [lum(st.color), lum(st.backgroundColor)].sort((a, c) => c - a);
    return (l1 + 0.05) / (l2 + 0.05);
  });
  console.log(`dark theme: active tool contrast ${contrast.toFixed(2)}`);
  expect(contrast).toBeGreaterThanOrEqual(3);
  await shot(page, testInfo, 'dark-theme-active-tool');
});
