// Regression (issue 18): 30 concurrent whole-raster box prompts on an uncached raster each segmented it
// themselves (30× the work) and kept running minutes after the clients left; a text prompt without CLIP
// files segmented everything before failing. SharedWork unit semantics, then the real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { SharedWork } from './shared-work.js';
import { startTestServer } from '../testing/server.js';
import { writeFixtureModel, writeSquaresTif, ORIGIN, PIXEL, SIZE } from '../testing/server-data.js';
import { tmpDir } from '../testing/raster-fixtures.js';

test('identical keys in flight share one execution; different keys do not', async () => {
  const w = new SharedWork<number>();
  let runs = 0;
  const work = async () => { runs++; await new Promise((r) => setTimeout(r, 30)); return 42; };
  const all = await Promise.all(Array.from({ length: 30 }, () => w.run('a', work)));
  assert.deepEqual(all, Array(30).fill(42));
  assert.equal(runs, 1);
  await w.run('b', work);
  assert.equal(runs, 2);
  assert.equal(w.size, 0);
});

test('the work is aborted when every caller has gone, not while one still waits', async () => {
  const w = new SharedWork<string>();
  let seen: AbortSignal | null = null;
  const work = (s: AbortSignal) => new Promise<string>((resolve, reject) => {
    seen = s;
    const t = setTimeout(() => resolve('done'), 200);
    s.addEventListener('abort', () => { clearTimeout(t); reject(new EngineError('ABORTED', 'x')); });
  });
  const a = new AbortController();
  const b = new AbortController();
  const pa = w.run('k', work, a.signal);
  const pb = w.run('k', work, b.signal);
  a.abort();
  await assert.rejects(pa, (e: unknown) => e instanceof EngineError && e.code === 'ABORTED');
  assert.equal(seen!.aborted, false, 'b still waits');
  assert.equal(await pb, 'done');
  const c = new AbortController();
  const pc = w.run('k2', work, c.signal);
  c.abort();
  await assert.rejects(pc);
  assert.equal(seen!.aborted, true, 'nobody waits: the work is cancelled');
});

test('server: 12 identical concurrent box prompts segment each tile once; a text prompt without CLIP fails before segmenting', async () => {
  const t = await startTestServer({ backendOptions: { model: writeFixtureModel(tmpDir('fsg-shared-')), cacheDir: null } });
  try {
    await writeSquaresTif(t.root);
    const box = [ORIGIN[0], ORIGIN[1] - SIZE * PIXEL, ORIGIN[0] + SIZE * PIXEL, ORIGIN[1]];
    const health = async () => ((await (await t.api('/api/health')).json()) as { cache: { tiles: { writes: number } } }).cache.tiles;
    const text = await t.api('/api/prompt', { method: 'POST', json: { path: 'squares.tif', text: 'a building' } });
    const te = await text.json() as { error: { code: string } };
    assert.equal(te.error.code, 'MODEL_MISSING');
    assert.equal((await health()).writes, 0, 'nothing segmented for a text prompt that cannot run');
    const answers = await Promise.all(Array.from({ length: 12 }, () =>
      t.api('/api/prompt', { method: 'POST', json: { path: 'squares.tif', crs: 'EPSG:32616', boxes: [box] } }).then(async (r) => ({ status: r.status, body: await r.json() as { features: unknown[] } }))));
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    const n = answers[0].body.features.length;
    assert.ok(n > 0);
    for (const a of answers) assert.equal(a.body.features.length, n);
    const tiles = (await health()).writes;
    // 640² with 256 tiles, overlap 128: 4 × 4 tiles, each written once (not 12 times)
    assert.equal(tiles, 16);
  } finally {
    await t.close();
  }
});
