// Regression tests for editing: vertex drags moved the vertex in only 5 of 8 tries (hover/select
// restyling reset OpenLayers' Modify), the selected feature was drawn in the hover colour, area_m2
// was not recomputed after an edit. Also: Esc closes the identify popup, identify shows every
// property, the attribute table sorts and selects → zooms, undo/redo of an edit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { pagePixel, shot } from './helpers';
import { EPSG, RASTER, SQUARES, openFixture, sidecarFile, squareOf, world } from './squares';

test.use({ autoGoto: false });

/** The large square's feature: its id and outer ring (view CRS = EPSG:32616). */
const large = (page: Page) =>
  page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    const f = v.results.features().find((x: any) => {
      const e = x.getGeometry().getExtent();
      return e[2] - e[0] > 100;
    });
    return { id: f.getId(), ring: f.getGeometry().getCoordinates()[0] as number[][], area: f.get('area_m2') as number };
  }, RASTER);

/** GDAL's area (m², EPSG:32616) of every feature of an exported GeoJSON, in file order. */
function gdalAreas(file: string): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'fsg-area-'));
  const utm = join(dir, 'utm.geojson');
  execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', `EPSG:${EPSG}`, '-nln', 'utm', utm, file]);
  const out = JSON.parse(execFileSync('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', utm, '-dialect', 'OGRSQL', '-sql', 'SELECT OGR_GEOM_AREA AS gdal_area FROM utm'], { encoding: 'utf8' }));
  return out.features.map((f: any) => f.properties.gdal_area);
}

test('vertex drag moves the vertex 10 of 10 times; area_m2 is recomputed and matches GDAL within 0.5%', async ({ page }, testInfo) => {
  await openFixture(page);
  await page.locator('.jp-FastSamGeo-map').focus();
  await page.keyboard.press('e');
  await expect(page.locator('.jp-FastSamGeo-message')).toHaveText('3 object(s) found in view', { timeout: 120000 });
  const s = SQUARES.redLarge;
  // select the large square (pan tool): selected colour ≠ hover colour
  const [cx, cy] = await pagePixel(page, RASTER, world(s.x + s.side / 2, s.y + s.side / 2));
  await page.mouse.move(cx, cy);
  await page.mouse.click(cx, cy);
  const popup = page.locator('.jp-FastSamGeo-popup');
  await expect(popup.locator('[data-key="area"]')).toBeVisible();
  // identify shows every property of the feature
  const keys: string[] = await page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    return Object.keys(v.results.selected()[0].getProperties()).filter((k) => !['geometry', 'fsg_run', 'fsg_order', 'area_m2'].includes(k));
  }, RASTER);
  expect(keys.length).toBeGreaterThan(2);
  for (const k of keys) await expect(popup.locator(`[data-key="${k}"]`)).toHaveCount(1);
  const colours = await page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    const st = v.results.editing;
    return { selected: v.results.selected().length, sel: st.isSelected(v.results.selected()[0]), hoverStroke: v.results['styles'].hover.getStroke().getColor(), selectedStroke: v.results['styles'].selected.getStroke().getColor() };
  }, RASTER);
  expect(colours.selected).toBe(1);
  expect(colours.selectedStroke).not.toEqual(colours.hoverStroke);
  await shot(page, testInfo, 'selected');
  // Esc closes the popup
  await page.keyboard.press('Escape');
  await expect(popup.locator('[data-key="area"]')).toBeHidden();
  await page.mouse.click(cx, cy);
  await expect(popup.locator('[data-key="area"]')).toBeVisible();

  const original = await large(page);
  let moved = 0;
  for (let k = 0; k < 10; k++) {
    const { ring } = await large(page);
    // the top-left corner: smallest x + largest y
    const corner = ring.slice(0, -1).sort((a, b) => a[0] - b[0] + (b[1] - a[1]))[0];
    const [px, py] = await pagePixel(page, RASTER, [corner[0], corner[1]]);
    await page.mouse.move(px, py, { steps: 2 });
    await page.mouse.down();
    await page.mouse.move(px - 3, py - 3, { steps: 3 });
    await page.mouse.move(px - 6, py - 6, { steps: 3 });
    await page.mouse.up();
    const after = await large(page);
    const has = after.ring.some((c) => Math.abs(c[0] - corner[0]) < 1e-6 && Math.abs(c[1] - corner[1]) < 1e-6);
    if (!has) moved++;
  }
  console.log(`vertex drags that moved the vertex: ${moved} of 10`);
  expect(moved).toBe(10);
  await shot(page, testInfo, 'dragged');
  const edited = await large(page);
  expect(edited.area).toBeGreaterThan(original.area);

  // Export the edited layer; GDAL's area of each feature equals area_m2 within 0.5 %.
  await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].exportLayer('squares-edited.geojson'), RASTER);
  const file = sidecarFile('fixture/squares-edited.geojson');
  const written = JSON.parse(readFileSync(file, 'utf8'));
  const gdal = gdalAreas(file);
  expect(gdal).toHaveLength(written.features.length);
  for (const [i, f] of written.features.entries()) {
    const ref = gdal[i];
    console.log(`feature ${f.properties.id}: area_m2 ${f.properties.area_m2}, GDAL ${ref.toFixed(3)}`);
    expect(Math.abs(f.properties.area_m2 - ref) / ref).toBeLessThan(0.005);
  }

  // undo restores the shape and the area; redo re-applies it
  await page.locator('.jp-FastSamGeo-map').focus();
  await page.keyboard.press('Control+z');
  const undone = await large(page);
  expect(undone.area).toBeLessThan(edited.area);
  await page.locator('[data-action="redo"]').click();
  expect((await large(page)).area).toBeCloseTo(edited.area, 3);
});

test('attribute table: sort by a column, a row selects the feature and zooms to it', async ({ page }, testInfo) => {
  await openFixture(page);
  await page.locator('[data-action="everything"]').click();
  await expect(page.locator('.jp-FastSamGeo-message')).toHaveText('3 object(s) found in view', { timeout: 120000 });
  await page.locator('.jp-FastSamGeo-layer[data-run^="run-"] [data-action="table"]').click();
  const table = page.locator('.jp-FastSamGeo-table');
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await table.locator('th[data-key="area_m2"]').click();
  const areas = async () => (await table.locator('tbody tr').evaluateAll((rows, k) => rows.map((r) => {
    const i = [...r.closest('table')!.querySelectorAll('th')].findIndex((th) => th.getAttribute('data-key') === k);
    return Number(r.children[i].textContent);
  }), 'area_m2'));
  const up = await areas();
  expect(up).toEqual([...up].sort((a, b) => a - b));
  await table.locator('th[data-key="area_m2"]').click();
  const down = await areas();
  expect(down).toEqual([...up].reverse());
  // the first row now is the largest: the large square; clicking it selects it and zooms onto it
  await table.locator('tbody tr').first().click();
  await expect(table.locator('tbody tr.jp-mod-selected')).toHaveCount(1);
  const st = await page.evaluate((p) => {
    const v = (window as any).__fastsamGeo.panels[p].view;
    const f = v.results.selected()[0];
    const e = f.getGeometry().getExtent();
    const c = v.map.getView().getCenter();
    return { extent: e, centre: c };
  }, RASTER);
  expect(squareOf(st.extent)).toBe('red-large');
  expect(st.centre[0]).toBeGreaterThan(st.extent[0]);
  expect(st.centre[0]).toBeLessThan(st.extent[2]);
  expect(st.centre[1]).toBeGreaterThan(st.extent[1]);
  expect(st.centre[1]).toBeLessThan(st.extent[3]);
  await shot(page, testInfo, 'attribute-table');
});
