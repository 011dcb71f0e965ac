import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureClipVision, fixtureClipText, COLOUR_TOKENS } from './fixture-clip-models.js';
import { loadClipTokenizer } from '../prompts/clip/tokenizer.js';
import { openSession } from '../model/session.js';
import { sharedData } from './shared-data.js';
import { DEFAULTS } from '../config.js';

test('the colour token ids are those of the real CLIP tokenizer', () => {
  const tok = loadClipTokenizer(sharedData('clip/bpe_simple_vocab_16e6.txt.gz'));
  for (const [word, id] of Object.entries(COLOUR_TOKENS)) assert.deepEqual(tok.encodeText(word), [id]);
});

test('fixture vision model: a constant colour gives its centred colour (hand-computed)', async () => {
  const s = await openSession(fixtureClipVision({ dim: 4 }));
  const S = 224, plane = S * S;
  const data = new Float32Array(2 * 3 * plane);
  const colours = [[1, 0, 0], [0.5, 0.5, 0.5]];
  colours.forEach((rgb, b) => rgb.forEach((v, c) =>
    data.fill((v - DEFAULTS.clip.mean[c]) / DEFAULTS.clip.std[c], (b * 3 + c) * plane, (b * 3 + c + 1) * plane)));
  const out = await s.run({ pixel_values: { data, dims: [2, 3, S, S] } });
  assert.deepEqual(out.image_embeds.dims, [2, 4]);
  const e = Array.from(out.image_embeds.data as Float32Array);
  [2 / 3, -1 / 3, -1 / 3, 0, 0, 0, 0, 0].forEach((v, i) => assert.ok(Math.abs(e[i] - v) < 1e-5, `${i}: ${e[i]} vs ${v}`));
  await s.dispose();
});

test('fixture text model: sums the colour rows of the tokens, masked by attention_mask', async () => {
  const s = await openSession(fixtureClipText({ dim: 4, withAttentionMask: true }));
  const ids = new BigInt64Array(77);
  [49406, 320, COLOUR_TOKENS.red, 6449, 49407].forEach((v, i) => (ids[i] = BigInt(v)));
  ids[10] = BigInt(COLOUR_TOKENS.blue); // after EOT: masked out
  const mask = new BigInt64Array(77);
  for (let i = 0; i < 5; i++) mask[i] = 1n;
  const out = await s.run({ input_ids: { data: ids, dims: [1, 77] }, attention_mask: { data: mask, dims: [1, 77] } });
  assert.deepEqual(Array.from(out.text_embeds.data as Float32Array), [2, -1, -1, 0]);
  await s.dispose();
});
