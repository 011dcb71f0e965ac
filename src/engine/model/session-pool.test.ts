/**
 * A model loaded as two sessions (model/session-pool): runs in flight together go to different sessions
 * (two worker threads with one ONNX Runtime thread each, counted in /proc), give the numbers a single
 * session gives, and dispose ends both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadSegModel } from './segmodel.js';
import { AUTO_SESSIONS_MIN_TILES, autoSessions } from './session-pool.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';

const fixture = buildFixtureSegModel();
const SIZE = 1024;
const threads = (): number => Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

function input(shift: number): Float32Array {
  const x = new Float32Array(3 * SIZE * SIZE).fill(0.4);
  for (let r = 300; r < 428; r++) for (let c = 500 + shift; c < 628 + shift; c++) { x[r * SIZE + c] = 1; x[SIZE * SIZE + r * SIZE + c] = 0; }
  return x;
}

test('two sessions: concurrent runs match one session run by run; both workers exist and end with dispose', async () => {
  const one = await loadSegModel(fixture, { intraOpThreads: 1 });
  const before = threads();
  const two = await loadSegModel(fixture, { intraOpThreads: 1, sessions: 2 });
  try {
    // Two more worker threads than one model would add (each worker: its JS thread + ORT's own threads).
    assert.ok(threads() - before >= 2, `threads ${before} → ${threads()}`);
    assert.equal(two.session.intraOpThreads, 2);
    const feeds = (k: number) => ({ images: { data: input(40 * k), dims: [1, 3, SIZE, SIZE] } });
    const expected = [];
    for (let k = 0; k < 4; k++) expected.push(await one.session.run(feeds(k)));
    const got = await Promise.all([0, 1, 2, 3].map((k) => two.session.run(feeds(k))));
    for (let k = 0; k < 4; k++) for (const name of Object.keys(expected[k])) assert.deepEqual(got[k][name].data, expected[k][name].data, `run ${k} ${name}`);
  } finally {
    await one.dispose();
    const withTwo = threads();
    await two.dispose();
    assert.ok(withTwo - threads() >= 2, 'both workers ended');
  }
  await assert.rejects(loadSegModel(fixture, { sessions: 0 }), { code: 'BAD_INPUT' });
  await assert.rejects(loadSegModel(fixture, { sessions: 2, worker: false }), { code: 'BAD_INPUT' });
});

test('two sessions of a broken model: BAD_MODEL, and no worker thread is left behind', async () => {
  const before = threads();
  await assert.rejects(loadSegModel(new TextEncoder().encode('not a model at all'), { intraOpThreads: 1, sessions: 2 }), { code: 'BAD_MODEL' });
  // Worker threads end asynchronously after their failed open: wait for the count to come back.
  for (let i = 0; i < 200 && threads() > before; i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(threads() <= before, `threads ${before} → ${threads()}`);
});

test('autoSessions: two sessions from 16 tiles on with 2–4 threads, else one', () => {
  assert.equal(AUTO_SESSIONS_MIN_TILES, 16);
  const table: [number, number, number][] = [[1, 2, 1], [15, 2, 1], [16, 2, 2], [1000, 2, 2], [16, 1, 1], [16, 3, 2], [16, 4, 2], [16, 8, 1], [0, 2, 1]];
  for (const [tiles, threads, want] of table) assert.equal(autoSessions(tiles, threads), want, `${tiles} tiles, ${threads} threads`);
});
