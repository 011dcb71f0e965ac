// A notebook cell displaying application/geo+json renders a small map of the features.
import { expect, test } from '@jupyterlab/galata';
import { compareWithReference, gotoLab } from './helpers';

test.use({ autoGoto: false });

const CELL = `from IPython.display import display
fc = {"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"id": 1}, "geometry": {"type": "Polygon", "coordinates": [[[-84.39, 33.65], [-84.38, 33.65], [-84.38, 33.66], [-84.39, 33.66], [-84.39, 33.65]]]}},
  {"type": "Feature", "properties": {"id": 2}, "geometry": {"type": "Polygon", "coordinates": [[[-84.37, 33.67], [-84.36, 33.67], [-84.36, 33.68], [-84.37, 33.68], [-84.37, 33.67]]]}}]}
display({"application/geo+json": fc}, raw=True)`;

test('display() of application/geo+json in a notebook renders a map of the features', async ({ page }, testInfo) => {
  await gotoLab(page);
  await page.notebook.createNew('geojson.ipynb');
  await page.notebook.setCell(0, 'code', CELL);
  await page.notebook.runCell(0);
  const out = page.locator('.jp-OutputArea .jp-FastSamGeo-mime');
  await expect(out).toHaveAttribute('data-features', '2');
  await expect(out.locator('.jp-FastSamGeo-mimeCaption')).toHaveText('2 feature(s)');
  const map = out.locator('.jp-FastSamGeo-mimeMap');
  await expect(map.locator('canvas')).toHaveCount(1);
  await page.waitForTimeout(1000);
  await page.screenshot({ path: testInfo.outputPath('notebook-geojson.png') });
  // Pixel check: the two squares are drawn (the map is not a blank background).
  const shot = (await map.screenshot()).toString('base64');
  const stats = await compareWithReference(page, shot, shot);
  expect(stats.std).toBeGreaterThan(5);
});
