#!/usr/bin/env node
// Runs every compiled engine test (lib/**/*.test.js, built from src/**/*.test.ts beside the stage
// they test) with node's test runner. Prints the spec report, then `node: N passed, N failed`.
// Usage: node scripts/run-node-tests.mjs [filter-substring ...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync, readFileSync, mkdtempSync, existsSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = walk(join(root, 'lib')).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no compiled tests found under lib/ (run `npm run build` first)');
  console.log('node: 0 passed, 1 failed');
  process.exit(1);
}
const work = mkdtempSync(join(os.tmpdir(), 'fsg-tests-'));
const tap = join(work, 'report.tap');
// The tests never write the user's ~/.cache: models, caches and bench graphs go to this run's temp
// dir unless the caller chose a place (scripts/test.sh does), and never a real download host.
const env = { ...process.env };
env.FASTSAM_GEO_CACHE ??= join(work, 'cache');
// Tests that run `extract` keep their tile results in this run's result store.
env.FASTSAM_GEO_RESULTS ??= join(work, 'results');
env.FASTSAM_GEO_MODELS ??= join(work, 'models');
env.FASTSAM_GEO_FASTSAM_URL ??= 'http://127.0.0.1:1';
env.FASTSAM_GEO_CLIP_URL ??= 'http://127.0.0.1:1';
// Every temporary directory a test makes (os.tmpdir()) lands in this run's, removed at the end.
env.TMPDIR = join(work, 'tmp');
mkdirSync(env.TMPDIR);
const args = [
  '--test',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, env });
child.on('exit', (code) => {
  let passed = 0;
  let failed = 0;
  try {
    const text = readFileSync(tap, 'utf8');
    passed = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
    failed = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0);
    const cancelled = Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0);
    const skipped = Number(/^# skipped (\d+)/m.exec(text)?.[1] ?? 0);
    const todo = Number(/^# todo (\d+)/m.exec(text)?.[1] ?? 0);
    // A skipped, cancelled or todo test is not a pass.
    failed += cancelled + skipped + todo;
  } catch {
    failed += 1;
  }
  if (code !== 0 && failed === 0) failed = 1;
  rmSync(work, { recursive: true, force: true });
  console.log(`node: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
});
