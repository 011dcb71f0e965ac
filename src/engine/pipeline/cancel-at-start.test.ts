/**
 * Regression: a job cancelled just as its tile loop started (Ctrl-C in a notebook at the first progress
 * event, Cancel on the map) crashed the whole engine: the read of the first tile rejected with ABORTED
 * while nothing awaited it yet (the loop threw first), and Node ends the process on an unhandled
 * rejection. The cancel must reject the extract with ABORTED and leave no unhandled rejection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { extract } from './extract.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { tmpDir } from '../testing/raster-fixtures.js';

test('cancelling at the first progress event rejects with ABORTED and leaves no unhandled rejection', async () => {
  const dir = tmpDir();
  const tif = path.join(dir, 'squares.tif');
  writeGeoTiff(tif, { width: 512, height: 512, bands: squaresBands(512, 512, [[64, 64, 56]]), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
  const model = await loadSegModel(buildFixtureSegModel(), { name: 'fixture' });
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const ac = new AbortController();
    await assert.rejects(
      extract(tif, { model, tileSize: 256, overlap: 0, signal: ac.signal, onProgress: (p) => { if (p.done === 0) ac.abort(); } }),
      (err: any) => err.code === 'ABORTED',
    );
    // let any orphaned promise settle and be reported
    await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await model.dispose();
  }
});
