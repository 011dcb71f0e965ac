import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHILD = new URL('../testing/gc-bursts.js', import.meta.url).pathname;

/** Why each incremental marking of the child started (V8's trace), counted. */
async function markingStarts(mode: 'cli' | 'plain'): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, ['--trace-incremental-marking', CHILD, mode], { maxBuffer: 16 * 2 ** 20 });
  const starts: Record<string, number> = {};
  for (const m of stdout.matchAll(/\[IncrementalMarking\] Start \(([^)]+)\)/g)) starts[m[1]] = (starts[m[1]] ?? 0) + 1;
  return starts;
}

test('gc tuning: after the fastsam-geo entry point, a quiet wait no longer starts a full collection from a task; allocation still does', async () => {
  // The control: the same bursts and waits without the entry point start marking from V8's task.
  const plain = await markingStarts('plain');
  assert.ok((plain.task ?? 0) >= 1, `control: expected marking started by the task, got ${JSON.stringify(plain)}`);
  const cli = await markingStarts('cli');
  assert.equal(cli.task ?? 0, 0, `after main(): ${JSON.stringify(cli)}`);
  const total = Object.values(cli).reduce((a, b) => a + b, 0);
  assert.ok(total >= 1, `the collector still runs (started by allocation): ${JSON.stringify(cli)}`);
});

test('gc tuning: a small heap may grow 4× between full collections, a heap past 32 MB gets V8\'s own growth again', async () => {
  const { stdout } = await run(process.execPath, [CHILD, 'growth']);
  const seen = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.equal(seen.before, -1, 'nothing set on import');
  assert.equal(seen.tuned, 300);
  assert.equal(seen.small, 300);
  assert.ok(seen.largeMB > 32, `the large heap: ${seen.largeMB} MB`);
  assert.equal(seen.large, 0, JSON.stringify(seen));
  assert.equal(seen.smallAgain, 300, JSON.stringify(seen));
});
