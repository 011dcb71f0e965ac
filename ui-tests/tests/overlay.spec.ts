// Vector layers over a raster: a GeoJSON file (projected, legacy "crs" member EPSG:32616) added to the
// fixture map by the command lands at the right place (pixel check: inside the magenta square the
// colour changes, beside it it does not) and its point geometry is visible (regression: points were
// invisible). The layer list carries the raster's opacity and each layer's colour/opacity.
import { writeFileSync } from 'node:fs';
import { expect, test } from '@jupyterlab/galata';
import { pagePixel, pixelColour, shot } from './helpers';
import { EPSG, RASTER, SQUARES, extentOf, openFixture, sidecarFile, world } from './squares';

test.use({ autoGoto: false });

test('a projected GeoJSON added onto the raster map is drawn at the right place, points visible', async ({ page }, testInfo) => {
  const m = extentOf(SQUARES.magenta);
  const r = SQUARES.redLarge;
  const centre = world(r.x + r.side / 2, r.y + r.side / 2);
  writeFileSync(
    sidecarFile('fixture/overlay.geojson'),
    JSON.stringify({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${EPSG}` } },
      features: [
        { type: 'Feature', properties: { name: 'magenta truth' }, geometry: { type: 'Polygon', coordinates: [[[m[0], m[1]], [m[2], m[1]], [m[2], m[3]], [m[0], m[3]], [m[0], m[1]]]] } },
        { type: 'Feature', properties: { name: 'a point' }, geometry: { type: 'Point', coordinates: centre } }
      ]
    })
  );
  await openFixture(page);
  const s = SQUARES.magenta;
  const [ix, iy] = await pagePixel(page, RASTER, world(s.x + s.side / 2, s.y + s.side / 2));
  const [ox, oy] = await pagePixel(page, RASTER, world(s.x + s.side / 2, s.y + s.side + 40));
  const [px, py] = await pagePixel(page, RASTER, centre);
  const before = { inside: await pixelColour(page, ix, iy), outside: await pixelColour(page, ox, oy), point: await pixelColour(page, px, py) };

  await page.evaluate(() => (window as any).jupyterapp.commands.execute('fastsam-geo:add-vector-layer', { path: 'fixture/overlay.geojson' }));
  const row = page.locator('.jp-FastSamGeo-layer[data-run^="run-"]');
  await expect(row).toContainText('overlay.geojson (2)');
  await page.waitForFunction((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    return new Promise((res) => v.map.once('rendercomplete', () => res(true)) && v.map.render());
  }, RASTER);
  await shot(page, testInfo, 'overlay');
  const after = { inside: await pixelColour(page, ix, iy), outside: await pixelColour(page, ox, oy), point: await pixelColour(page, px, py) };
  const diff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  console.log(`overlay pixels before ${JSON.stringify(before)} after ${JSON.stringify(after)}`);
  expect(diff(before.inside, after.inside)).toBeGreaterThan(15); // the polygon's fill over the magenta square
  expect(diff(before.outside, after.outside)).toBeLessThan(6); // nothing drawn beside it
  expect(diff(before.point, after.point)).toBeGreaterThan(60); // the point marker is drawn
  const colour = await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].view.results.list()[0].color, RASTER);
  const rgb = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
  expect(diff(after.point, rgb)).toBeLessThan(60);

  // raster opacity 0: the square's magenta is gone under the overlay
  await page.locator('.jp-FastSamGeo-layer[data-run="raster"]').waitFor();
  await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].view.setRasterOpacity(0), RASTER);
  await expect.poll(async () => diff(await pixelColour(page, ox, oy), before.outside)).toBeGreaterThan(20);
  await shot(page, testInfo, 'overlay-raster-hidden');
});
