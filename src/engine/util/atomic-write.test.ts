import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { EngineError } from '../errors.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const tmpdir = () => tmpDir('fsg-atomic-');

test('writeFileAtomic writes the content and leaves no temp file', async () => {
  const dir = tmpdir();
  const f = path.join(dir, 'out.geojson');
  await writeFileAtomic(f, '{"a":1}');
  assert.equal(readFileSync(f, 'utf8'), '{"a":1}');
  assert.deepEqual(readdirSync(dir), ['out.geojson']);
  await writeFileAtomic(f, new Uint8Array([104, 105]));
  assert.equal(readFileSync(f, 'utf8'), 'hi');
  assert.deepEqual(readdirSync(dir), ['out.geojson']);
});

test('writeFileAtomic: an aborted write keeps the old file and leaves no temp file', async () => {
  const dir = tmpdir();
  const f = path.join(dir, 'out.txt');
  writeFileSync(f, 'old');
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(writeFileAtomic(f, 'new', { signal: ac.signal }), (e: unknown) => e instanceof EngineError && e.code === 'ABORTED');
  assert.equal(readFileSync(f, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir), ['out.txt']);
});

test('writeFileAtomic: missing directory → NOT_FOUND; noOverwrite refuses an existing file', async () => {
  const dir = tmpdir();
  await assert.rejects(writeFileAtomic(path.join(dir, 'nope', 'x.txt'), 'x'), (e: unknown) => e instanceof EngineError && e.code === 'NOT_FOUND');
  const f = path.join(dir, 'x.txt');
  writeFileSync(f, 'keep');
  await assert.rejects(writeFileAtomic(f, 'y', { noOverwrite: true }), (e: unknown) => e instanceof EngineError && e.code === 'BAD_INPUT');
  assert.equal(readFileSync(f, 'utf8'), 'keep');
  assert.ok(!existsSync(path.join(dir, 'nope')));
});
