// The benchmark functions run and report every figure (no timing is asserted: targets live in the
// benchmark's printout, not in tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchPrompts } from './prompt-latency.js';
import { benchTextPrompt } from './text-prompt.js';

test('benchPrompts reports point and box latencies on a synthetic tile', () => {
  const r = benchPrompts({ masks: 50, tile: 256, runs: 5 });
  assert.equal(r.masks, 50);
  for (const k of ['point', 'points3', 'box', 'boxWholeTile'] as const) {
    assert.equal(r[k].runs, 5);
    assert.ok(r[k].median >= 0 && r[k].p95 >= r[k].median);
  }
});

test('benchTextPrompt reports tokenizer, encoder, select and total', async () => {
  const r = await benchTextPrompt({ masks: 20, dim: 16, runs: 3 });
  assert.equal(r.total.runs, 3);
  assert.equal(r.dim, 16);
  assert.ok(Number.isFinite(r.overheadMs));
});
