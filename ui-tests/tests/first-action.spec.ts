// The first actions of a new user on default settings, with whatever segmentation model the suite's
// server runs: the fixture (a fixed 512 model) in CI, and by hand the real 320 YOLOv8n-seg export
// (FSG_UI_MODEL=…/yolov8n-seg_int8.onnx bash scripts/test-stages/ui.sh tests/first-action.spec.ts).
// Regression: with a fixed-size model of another size than the tileSize setting, both "Everything in
// view" and a point prompt failed with `options.tileSize: got 1024, expected 320 [BAD_INPUT]`.
import { expect, test } from '@jupyterlab/galata';
import { ATLANTA, gotoLabWithHook, newPointRun, shot } from './helpers';
import { openMap } from './squares';

test.use({ autoGoto: false });

test('first action works with the server\'s model on default settings: Everything in view, then a point', async ({ page }, testInfo) => {
  await gotoLabWithHook(page);
  await openMap(page, ATLANTA);
  const models = await (await page.request.get('/fastsam-geo/api/models')).json();
  const seg = models.models.find((m: any) => m.kind === 'segment' && m.present);
  const started = Date.now();
  await page.locator('[data-action="everything"]').click();
  const message = page.locator('.jp-FastSamGeo-message');
  await expect(message).toHaveText(/^\d+ object\(s\) found in view$|failed/, { timeout: 300000 });
  await expect(message).not.toContainText('failed');
  const job = await page.evaluate((p) => (window as any).__fastsamGeo.panels[p].lastJob, ATLANTA);
  expect(job.status).toBe('done');
  console.log(`model ${seg?.name}: Everything in view on ${ATLANTA}: ${await message.textContent()} (${job.total} tiles, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  await shot(page, testInfo, 'first-everything');
  await newPointRun(page, ATLANTA);
  const box = (await page.locator('.jp-FastSamGeo-map').boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect(message).toHaveText(/selected by 1 point|no object under 1 point|failed/, { timeout: 120000 });
  await expect(message).not.toContainText('failed');
  console.log(`model ${seg?.name}: first point: ${await message.textContent()}`);
  await shot(page, testInfo, 'first-point');
});
