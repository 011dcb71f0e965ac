// "Everything in view": a segment job for the visible extent through the engine's job API, with a
// progress bar, a result layer holding the three fixture squares, and Cancel (squares.ts).
import { expect, galata, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { RASTER, activeFeatures, expectExtent, extentOf, openFixture, squareOf, SQUARES } from './squares';

test.use({ autoGoto: false });

/** Records every state the progress bar goes through (a MutationObserver, so a quick job is seen too). */
async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const bar = document.querySelector('.jp-FastSamGeo-progress') as HTMLProgressElement;
    const seen: { hidden: boolean; max: number; value: string | null }[] = [];
    (window as any).__fsgProgress = seen;
    const note = () => seen.push({ hidden: bar.hidden, max: bar.max, value: bar.getAttribute('value') });
    new MutationObserver(note).observe(bar, { attributes: true });
  });
}

async function lastJob(page: Page): Promise<{ id: string; status: string; done: number; total: number } | null> {
  return page.evaluate((p) => (window as any).__fastsamGeo.panels[p].lastJob, RASTER);
}

test('Everything in view runs a job with progress and adds a layer with the three squares', async ({ page }, testInfo) => {
  await openFixture(page);
  await recordProgress(page);
  await page.locator('[data-action="everything"]').click();
  const row = page.locator('.jp-FastSamGeo-layer[data-run^="run-"]');
  await expect(row).toHaveCount(1, { timeout: 120000 });
  // the default: one accumulating output layer
  await expect(row).toContainText('FastSAM output (3)');
  await expect(page.locator('.jp-FastSamGeo-message')).toHaveText('3 object(s) found in view');
  await expect(page.locator('.jp-FastSamGeo-progress')).toBeHidden();
  await expect(page.locator('[data-action="cancel"]')).toBeHidden();
  await page.screenshot({ path: testInfo.outputPath('everything-done.png') });

  const features = await activeFeatures(page);
  expect(features.map((f) => squareOf(f.extent)).sort()).toEqual(['magenta', 'red-large', 'red-small']);
  for (const s of Object.values(SQUARES)) {
    expectExtent(features.find((f) => squareOf(f.extent) === s.name)!.extent, extentOf(s));
  }
  // The progress bar was shown while the job ran, with the engine's tile count as its maximum and
  // every tile done at the end.
  const job = await lastJob(page);
  expect(job?.status).toBe('done');
  expect(job!.total).toBeGreaterThanOrEqual(1);
  expect(job!.done).toBe(job!.total);
  const seen: { hidden: boolean; max: number; value: string | null }[] = await page.evaluate(() => (window as any).__fsgProgress);
  expect(seen.some((s) => !s.hidden)).toBe(true);
  expect(seen.some((s) => !s.hidden && s.max === job!.total && s.value === String(job!.total))).toBe(true);
});

test.describe('with small tiles (a long job)', () => {
  // The fixture model's fixed 512-pixel tiles overlapping by 480 make 17 × 17 = 289 tiles of the
  // 1024² raster: the job is still running when Cancel is pressed.
  // confirmTiles 100: the map asks before starting it.
  test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'fastsam-geo:plugin': { tileOverlap: 480, confirmTiles: 100 } } });

  test('a multi-tile job: asked before it starts (declined: not started); polygons shown before it finishes; Cancel stops it and keeps what it drew', async ({ page }, testInfo) => {
    await openFixture(page);
    const started: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/fastsam-geo\/api\/jobs(\/plan)?$/.test(r.url())) started.push(r.url().endsWith('/plan') ? 'plan' : 'job');
    });
    await page.locator('[data-action="everything"]').click();
    const ask = page.locator('.jp-Dialog', { hasText: '289 tiles (more than 100)' });
    await expect(ask).toBeVisible({ timeout: 120000 });
    await page.screenshot({ path: testInfo.outputPath('everything-confirm.png') });
    // declined: the job is never started (the engine only planned it)
    await ask.locator('.jp-mod-reject').click();
    await expect(page.locator('.jp-FastSamGeo-message')).toHaveText('job not started');
    expect(started).toEqual(['plan']);
    await page.locator('[data-action="everything"]').click();
    await expect(ask).toBeVisible({ timeout: 120000 });
    await ask.locator('.jp-mod-accept').click();
    await expect.poll(() => started).toEqual(['plan', 'plan', 'job']);
    const cancel = page.locator('[data-action="cancel"]');
    await expect(cancel).toBeVisible();
    // an ETA once tiles are done
    await expect(page.locator('.jp-FastSamGeo-message')).toContainText(/tiles · about \d+ (s|min)/, { timeout: 120000 });
    await expect(page.locator('.jp-FastSamGeo-progress')).toBeVisible();
    await expect(page.locator('.jp-FastSamGeo-panel')).toHaveAttribute('data-busy', 'true');
    // Polygons of the finished tiles are drawn while the job runs (GET /api/jobs/:id/partial).
    await expect.poll(() => page.evaluate((p) => (window as any).__fastsamGeo.panels[p].live.count, RASTER), { timeout: 120000 }).toBeGreaterThan(0);
    const drawnWhileRunning = await page.evaluate((p) => {
      const panel = (window as any).__fastsamGeo.panels[p];
      const layer = panel.view.map.getAllLayers().find((l: any) => l.get('fsgLive'));
      return { job: panel.lastJob, extents: layer.getSource().getFeatures().map((f: any) => f.getGeometry().getExtent()) };
    }, RASTER);
    expect(drawnWhileRunning.job.status).toBe('running');
    expect(drawnWhileRunning.job.done).toBeLessThan(drawnWhileRunning.job.total);
    expect(drawnWhileRunning.extents.length).toBeGreaterThan(0);
    // each drawn polygon is one of the squares, at its place, drawn once
    const names = drawnWhileRunning.extents.map((e: number[]) => squareOf(e));
    expect(new Set(names).size).toBe(names.length);
    for (const e of drawnWhileRunning.extents) expectExtent(e, extentOf(Object.values(SQUARES).find((s) => s.name === squareOf(e))!));
    await expect(page.locator('.jp-FastSamGeo-message')).toContainText(/object\(s\) so far/);
    await page.screenshot({ path: testInfo.outputPath('everything-running.png') });
    console.log(`drawn while the job ran: ${names.join(', ')} at ${drawnWhileRunning.job.done}/${drawnWhileRunning.job.total} tiles`);
    await cancel.click();
    await expect(page.locator('.jp-FastSamGeo-message')).toContainText(/^job cancelled: kept the \d+ object\(s\) drawn \(\d+\/289 tiles\)/);
    await expect(page.locator('.jp-FastSamGeo-progress')).toBeHidden();
    await expect(cancel).toBeHidden();
    await expect(page.locator('.jp-FastSamGeo-panel')).not.toHaveAttribute('data-busy', 'true');
    await page.screenshot({ path: testInfo.outputPath('everything-cancelled.png') });
    const job = await lastJob(page);
    expect(job).not.toBeNull();
    // The engine itself reports the job cancelled (asked through the same proxy the extension uses).
    await expect
      .poll(async () => (await (await page.request.get(`/fastsam-geo/api/jobs/${job!.id}`)).json()).status)
      .toBe('cancelled');
    const final = await (await page.request.get(`/fastsam-geo/api/jobs/${job!.id}`)).json();
    expect(final.done).toBeLessThan(final.total);
    // what it drew is kept: a result layer (the output layer) with those squares, the live layer empty
    await expect(page.locator('.jp-FastSamGeo-layer[data-run^="run-"]')).toHaveCount(1);
    const kept = (await activeFeatures(page)).map((f) => squareOf(f.extent));
    expect(kept.length).toBeGreaterThanOrEqual(names.length);
    for (const n of names) expect(kept).toContain(n);
    expect(await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].live.count, RASTER)).toBe(0);
  });
});
