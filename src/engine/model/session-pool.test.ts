/**
 * A model loaded as two sessions (model/session-pool): runs in flight together go to different sessions
 * (two worker threads with one ONNX Runtime thread each, counted in /proc), give the numbers a single
 * session gives, and dispose ends both. More runs than sessions wait, and the session that frees first
 * takes the oldest waiting run; a run cancelled while it waits takes no session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSegModel } from './segmodel.js';
import { AUTO_SESSIONS_MIN_TILES, autoSessions, poolSessions } from './session-pool.js';
import type { OnnxSession } from './session.js';
import { openWorkerSession } from './worker-session.js';
import { osThreads, threadsSettle } from '../testing/os-threads.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';

const fixture = buildFixtureSegModel();
const SIZE = 1024;

function input(shift: number): Float32Array {
  const x = new Float32Array(3 * SIZE * SIZE).fill(0.4);
  for (let r = 300; r < 428; r++) for (let c = 500 + shift; c < 628 + shift; c++) { x[r * SIZE + c] = 1; x[SIZE * SIZE + r * SIZE + c] = 0; }
  return x;
}

test('two sessions: concurrent runs match one session run by run; both workers exist and end with dispose', async () => {
  const one = await loadSegModel(fixture, { intraOpThreads: 1 });
  const before = osThreads();
  const two = await loadSegModel(fixture, { intraOpThreads: 1, sessions: 2 });
  try {
    // Two more worker threads than one model would add (each worker: its JS thread + ORT's own threads).
    assert.ok(osThreads() - before >= 2, `threads ${before} → ${osThreads()}`);
    assert.equal(two.session.intraOpThreads, 2);
    const feeds = (k: number) => ({ images: { data: input(40 * k), dims: [1, 3, SIZE, SIZE] } });
    const expected = [];
    for (let k = 0; k < 4; k++) expected.push(await one.session.run(feeds(k)));
    const got = await Promise.all([0, 1, 2, 3].map((k) => two.session.run(feeds(k))));
    for (let k = 0; k < 4; k++) for (const name of Object.keys(expected[k])) assert.deepEqual(got[k][name].data, expected[k][name].data, `run ${k} ${name}`);
  } finally {
    await one.dispose();
    const withTwo = osThreads();
    await two.dispose();
    const after = await threadsSettle((n) => withTwo - n >= 2); // joined threads leave the count a moment later
    assert.ok(withTwo - after >= 2, `both workers ended: threads ${withTwo} → ${after}`);
  }
  await assert.rejects(loadSegModel(fixture, { sessions: 0 }), { code: 'BAD_INPUT' });
  await assert.rejects(loadSegModel(fixture, { sessions: 2, worker: false }), { code: 'BAD_INPUT' });
});

test('more runs than sessions: the session that frees first takes the oldest waiting run; a cancelled wait takes none', async () => {
  const real = await Promise.all([0, 1].map(() => openWorkerSession(fixture, { intraOpThreads: 1 })));
  // Each member runs its real session once its gate opens, and logs which run it took.
  const log: string[] = [];
  const gates: (() => void)[][] = [[], []];
  const members: OnnxSession[] = real.map((s, k) => ({
    ...s,
    async run(feeds, signal, after) {
      const tag = String(feeds.tag.data[0]);
      log.push(`${tag}@${k}`);
      await new Promise<void>((open) => gates[k].push(open));
      const out = await s.run({ images: feeds.images }, signal, after);
      log.push(`${tag} done`);
      return out;
    },
  }));
  const pool = poolSessions(members);
  const feeds = (tag: number) => ({ images: { data: input(10 * tag), dims: [1, 3, SIZE, SIZE] }, tag: { data: new Float32Array([tag]), dims: [1] } });
  const tick = () => new Promise((r) => setImmediate(r));
  try {
    const a = pool.run(feeds(1));
    const b = pool.run(feeds(2));
    const c = pool.run(feeds(3));
    const cancel = new AbortController();
    const d = pool.run(feeds(4), cancel.signal);
    const e = pool.run(feeds(5));
    await tick();
    assert.deepEqual(log, ['1@0', '2@1'], 'two runs start, three wait');
    cancel.abort();
    await assert.rejects(d, { code: 'ABORTED' });
    gates[1].shift()!(); // session 1 frees first: it takes run 3, the oldest waiting
    await b;
    await tick();
    assert.deepEqual(log, ['1@0', '2@1', '2 done', '3@1']);
    gates[0].shift()!(); // session 0 frees: run 5 (run 4 was cancelled while it waited)
    await a;
    await tick();
    assert.deepEqual(log.slice(4), ['1 done', '5@0']);
    gates[1].shift()!();
    gates[0].shift()!();
    const [rc, re] = await Promise.all([c, e]);
    const expected = await real[0].run({ images: feeds(3).images });
    assert.deepEqual(rc.output0.data, expected.output0.data, 'a waiting run gives the numbers it gives alone');
    assert.ok(re.output0.data.length > 0);
    await assert.rejects(pool.run(feeds(6), AbortSignal.abort()), { code: 'ABORTED' });
  } finally {
    await pool.dispose();
  }
});

test('two sessions of a broken model: BAD_MODEL, and no worker thread is left behind', async () => {
  const before = osThreads();
  await assert.rejects(loadSegModel(new TextEncoder().encode('not a model at all'), { intraOpThreads: 1, sessions: 2 }), { code: 'BAD_MODEL' });
  // Worker threads end asynchronously after their failed open: wait for the count to come back.
  const after = await threadsSettle((n) => n <= before);
  assert.ok(after <= before, `threads ${before} → ${after}`);
});

test('autoSessions: two sessions from 16 tiles on with 2–4 threads, else one', () => {
  assert.equal(AUTO_SESSIONS_MIN_TILES, 16);
  const table: [number, number, number][] = [[1, 2, 1], [15, 2, 1], [16, 2, 2], [1000, 2, 2], [16, 1, 1], [16, 3, 2], [16, 4, 2], [16, 8, 1], [0, 2, 1]];
  for (const [tiles, threads, want] of table) assert.equal(autoSessions(tiles, threads), want, `${tiles} tiles, ${threads} threads`);
});
