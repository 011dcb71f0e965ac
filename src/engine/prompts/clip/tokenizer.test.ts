import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadClipTokenizer, EOT_TOKEN, SOT_TOKEN, readMerges } from './tokenizer.js';
import { sharedData } from '../../testing/shared-data.js';
import { EngineError } from '../../errors.js';

const ref = JSON.parse(readFileSync(sharedData('clip/reference_token_ids.json'), 'utf8')) as {
  cases: { text: string; ids: number[] }[];
};
const tok = loadClipTokenizer(sharedData('clip/bpe_simple_vocab_16e6.txt.gz'));

test('reproduces all 15 ids of OpenAI simple_tokenizer.py (reference_token_ids.json)', () => {
  assert.equal(ref.cases.length, 15);
  for (const c of ref.cases) {
    assert.deepEqual(tok.tokenize(c.text, { pad: false }), c.ids, `text ${JSON.stringify(c.text)}`);
  }
});

test('pads with 0 to 77 as clip.tokenize does', () => {
  const ids = tok.tokenize('a building');
  assert.equal(ids.length, 77);
  assert.deepEqual(ids.slice(0, 4), [SOT_TOKEN, 320, 2307, EOT_TOKEN]);
  assert.ok(ids.slice(4).every((v) => v === 0));
});

test('truncates to 77 with EOT last (clip.tokenize truncate=True)', () => {
  const ids = tok.tokenize('roof '.repeat(100));
  assert.equal(ids.length, 77);
  assert.equal(ids[0], SOT_TOKEN);
  assert.equal(ids[76], EOT_TOKEN);
  assert.ok(ids.slice(1, 76).every((v) => v === 6449)); // "roof" from the reference cases
});

test('a file that is not the CLIP merges file is a clear BAD_INPUT', () => {
  assert.throws(() => readMerges(sharedData('clip/reference_token_ids.json')), (e: unknown) =>
    e instanceof EngineError && e.code === 'BAD_INPUT' && /expected 48894/.test(e.message));
});
