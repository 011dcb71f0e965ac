/**
 * The server's segment jobs (the map's "Everything in view") share the per-tile result store with
 * `fastsam-geo extract`: a job cancelled part-way leaves its finished tiles there, the re-run takes
 * them from the store (no model run for them) and returns exactly what an uninterrupted job returns;
 * a CLI run of the same raster and model then resumes every tile the server computed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngineBackend } from './engine-backend.js';
import type { JobContext } from './jobs.js';
import { EngineError } from '../errors.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const dir = tmpDir('fsg-server-resume-');
after(() => rmSync(dir, { recursive: true, force: true }));
const model = path.join(dir, 'fixture-256.onnx');
writeFileSync(model, buildFixtureSegModel({ size: [256, 256] }));
// 640², tiles of 256 with overlap 128: starts 0, 128, 256, 384 (16 tiles)
const SQ: [number, number, number][] = [[40, 40, 56], [304, 200, 56], [480, 480, 56], [144, 456, 56]];
const tif = path.join(dir, 'squares.tif');
writeGeoTiff(tif, { width: 640, height: 640, bands: squaresBands(640, 640, SQ), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
const req = { path: tif, rel: 'squares.tif' };

function ctx(onProgress: (done: number, total: number, ac: AbortController) => void = () => {}): JobContext {
  const ac = new AbortController();
  return { signal: ac.signal, progress: (d, t) => onProgress(d, t, ac) };
}

test('a cancelled job continues where it stopped; the result equals an uninterrupted job; the CLI resumes the server\'s tiles', async () => {
  const plain = createEngineBackend({ model, cacheDir: null });
  const reference = await plain.segment(req, ctx());
  await plain.close();
  assert.ok(reference.features.length >= 3);

  const results = path.join(dir, 'results');
  const b = createEngineBackend({ model, cacheDir: null, resultsDir: results });
  await assert.rejects(
    b.segment(req, ctx((done, _t, ac) => { if (done >= 5) ac.abort(new EngineError('ABORTED', 'cancelled')); })),
    (e: unknown) => e instanceof EngineError && e.code === 'ABORTED',
  );
  const afterCancel = (b.stats!() as any).store;
  assert.ok(afterCancel.puts >= 5 && afterCancel.puts < 16, `stored ${afterCancel.puts} tiles before the cancel`);
  await b.close();

  // A new server process (a new backend: nothing in memory) continues from the stored tiles.
  const b2 = createEngineBackend({ model, cacheDir: null, resultsDir: results });
  const again = await b2.segment(req, ctx());
  const s = (b2.stats!() as any).store;
  assert.equal(s.hits, afterCancel.puts, 'every stored tile is reused');
  assert.equal(s.puts, 16 - afterCancel.puts, 'only the missing tiles ran the model');
  assert.deepEqual(again, reference);
  await b2.close();

  const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
  const out = path.join(dir, 'cli.geojson');
  const r = spawnSync(process.execPath, [bin, 'extract', tif, '--model', model, '--overlap', '128', '-o', out], { encoding: 'utf8', env: { ...process.env, FASTSAM_GEO_RESULTS: results } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /resumed 16\/16 tiles/);
});
