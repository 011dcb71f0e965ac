import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError, throwIfAborted } from '../errors.js';
import { JobManager, type JobEvent } from './jobs.js';

const tick = () => new Promise((r) => setImmediate(r));

test('a job reports progress events in order and ends done with its result', async () => {
  const jobs = new JobManager();
  const job = jobs.submit(async ({ progress }) => {
    for (let i = 1; i <= 3; i++) { await tick(); progress(i, 3); }
    return 'result';
  }, { total: 3 });
  assert.equal(job.snapshot().status, 'running', 'an idle manager starts the job at once');
  const events: JobEvent[] = [];
  job.events.on('event', (e: JobEvent) => events.push(e));
  await job.finished;
  assert.equal(job.status, 'done');
  assert.equal(job.result, 'result');
  assert.deepEqual(events.filter((e) => e.type === 'progress').map((e) => (e as { done: number }).done), [1, 2, 3]);
  assert.equal(events.at(-1)!.type, 'done');
  assert.deepEqual(jobs.get(job.id).snapshot(), { id: job.id, status: 'done', done: 3, total: 3 });
});

test('cancel aborts the running task through its signal; queued jobs are cancelled without running', async () => {
  const jobs = new JobManager({ concurrency: 1 });
  let sawAbort = false;
  const running = jobs.submit(async ({ signal }) => {
    while (true) {
      await new Promise((r) => setTimeout(r, 5));
      if (signal.aborted) { sawAbort = true; throwIfAborted(signal); }
    }
  });
  let ran = false;
  const queued = jobs.submit(async () => { ran = true; return 1; });
  await tick();
  assert.equal(running.status, 'running');
  assert.equal(queued.status, 'queued');
  jobs.cancel(queued.id);
  jobs.cancel(running.id);
  assert.equal(running.status, 'cancelled');
  await running.running;
  assert.ok(sawAbort, 'the task saw its signal abort');
  assert.equal(ran, false);
  assert.deepEqual(running.snapshot().error, { code: 'ABORTED', message: 'cancelled' });
  // after the cancel, the next job runs
  const next = jobs.submit(async () => 7);
  await next.finished;
  assert.equal(next.result, 7);
});

test('a failing task ends failed with its EngineError code; an unknown id is NOT_FOUND', async () => {
  const jobs = new JobManager();
  const job = jobs.submit(async () => { throw new EngineError('BAD_IMAGE', 'not a GeoTIFF'); });
  await job.finished;
  assert.deepEqual(job.snapshot().error, { code: 'BAD_IMAGE', message: 'not a GeoTIFF' });
  assert.equal(job.status, 'failed');
  const boom = jobs.submit(async () => { throw new TypeError('boom'); });
  await boom.finished;
  assert.equal(boom.snapshot().error?.code, 'INTERNAL');
  assert.throws(() => jobs.get('nope'), (e: unknown) => e instanceof EngineError && e.code === 'NOT_FOUND');
});

test('jobs run one at a time by default and finished ones are evicted beyond `keep`', async () => {
  const jobs = new JobManager({ keep: 3 });
  let active = 0;
  let maxActive = 0;
  const all = Array.from({ length: 6 }, () => jobs.submit(async () => {
    active++; maxActive = Math.max(maxActive, active);
    await tick(); await tick();
    active--;
  }));
  await Promise.all(all.map((j) => j.finished));
  assert.equal(maxActive, 1);
  jobs.submit(async () => 0);
  assert.ok(jobs.list().length <= 3 + 1);
  assert.throws(() => new JobManager({ concurrency: 0 }), /concurrency: got 0, expected an integer ≥ 1/);
});
