import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureClipVision, fixtureClipText } from '../testing/fixture-clip-models.js';
import { sharedData } from '../testing/shared-data.js';
import { detection, rectMask, asciiMask, segmentResult } from '../testing/fixture-masks.js';
import { openClip, embedTile, embedText, selectByText, textScores } from './text.js';
import { buildMaskIndex } from './mask-index.js';
import { openClipVision, openClipText } from './clip/encoders.js';
import { EngineError } from '../errors.js';
import type { RawImage } from '../types.js';
import { GraphBuilder } from '../onnx/builder.js';

// A 120×80 colour-coded tile on a gray ground: red square [10,40)², green [50,80)×[10,40),
// blue [90,115)×[10,40), a purple-ish L shape (red+blue) and a tiny red blob (under the minimum area).
const W = 120, H = 80;
const img: RawImage = { data: new Uint8Array(W * H * 3).fill(128), width: W, height: H, channels: 3 };
const paint = (x0: number, y0: number, x1: number, y1: number, rgb: number[]) => {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) img.data.set(rgb, (y * W + x) * 3);
};
paint(10, 10, 40, 40, [230, 20, 20]);
paint(50, 10, 80, 40, [20, 200, 30]);
paint(90, 10, 115, 40, [10, 30, 220]);
paint(60, 50, 61, 58, [255, 0, 0]);
const tile = segmentResult(W, H, [
  detection(rectMask(0, 0, W, H), 0.5), // the whole ground (gray + everything): mostly neutral
  detection(rectMask(10, 10, 40, 40), 0.9),
  detection(rectMask(50, 10, 80, 40), 0.9),
  detection(rectMask(90, 10, 115, 40), 0.9),
  detection(rectMask(60, 50, 61, 58), 0.9), // 8 px: skipped
  // the blue square's mask extended by a gray border: blanked outside the mask → still blue
  detection(asciiMask(88, 8, Array.from({ length: 34 }, (_, j) => (j < 2 || j > 31 ? '.'.repeat(29) : '..' + '#'.repeat(25) + '..'))), 0.8),
]);
const index = buildMaskIndex(tile);

async function fixtureClip(withAttentionMask = false) {
  return openClip({
    vision: fixtureClipVision({ dim: 8 }),
    text: fixtureClipText({ dim: 8, withAttentionMask }),
    bpe: sharedData('clip/bpe_simple_vocab_16e6.txt.gz'),
  });
}

test('"red" selects the red object and "a blue roof" the blue one (fixture CLIP, colour-coded tile)', async () => {
  const clip = await fixtureClip();
  const emb = await embedTile(clip, img, tile, { batchSize: 4 });
  assert.deepEqual(Array.from(emb.indices), [0, 1, 2, 3, 5]); // 4 is under minArea
  assert.equal(emb.dim, 8);
  const pick = async (text: string) => selectByText(index, emb, await embedText(clip, text)).selected.map((s) => s.indices[0]);
  assert.deepEqual(await pick('red'), [1]);
  assert.deepEqual(await pick('a green building'), [2]);
  // the blue square (3) and its twin whose gray border is blanked (5) have the same colour direction:
  // both score ≈ 1 (which one is first is float noise), everything else far lower
  const blue = selectByText(index, emb, await embedText(clip, 'a blue roof'), { mode: 'all', threshold: 0.5 });
  assert.deepEqual(blue.selected.map((s) => s.indices[0]).sort(), [3, 5]);
  assert.ok(blue.selected.every((s) => s.score > 0.99));
  await clip.dispose();
});

test('mode "all" returns every mask above the threshold, best first; softmax scores sum to 1', async () => {
  const clip = await fixtureClip(true);
  const emb = await embedTile(clip, img, tile);
  const t = await embedText(clip, 'blue');
  const all = selectByText(index, emb, t, { mode: 'all', threshold: 0.9 });
  assert.deepEqual(all.selected.map((s) => s.indices[0]).sort(), [3, 5]);
  const none = selectByText(index, emb, t, { mode: 'all', threshold: 1.5 });
  assert.deepEqual([none.selected.length, none.unmatched], [0, [0]]);
  const p = textScores(emb, t, { softmax: true });
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  // hand-computed cosines: a pure colour crop vs its colour word ≈ 1, vs another colour = −1/2
  const cos = textScores(emb, await embedText(clip, 'green'));
  assert.ok(Math.abs(cos[2] - 1) < 0.01, `green·green ${cos[2]}`);
  assert.ok(Math.abs(cos[1] + 0.5) < 0.02, `green·red ${cos[1]}`);
  await clip.dispose();
});

test('non-CLIP models are refused with BAD_MODEL naming what was found', async () => {
  await assert.rejects(openClipVision(fixtureClipText()), (e: unknown) =>
    e instanceof EngineError && e.code === 'BAD_MODEL' && /expected pixel_values/.test(e.message) && /input_ids int64/.test(e.message));
  await assert.rejects(openClipText(fixtureClipVision()), (e: unknown) =>
    e instanceof EngineError && e.code === 'BAD_MODEL' && /expected input_ids/.test(e.message));
  const g = new GraphBuilder('odd');
  const x = g.input('pixel_values', [1, 3, 224, 224]);
  g.rename(g.op('Relu', [x]), 'y');
  g.output('y', [1, 3, 224, 224]);
  await assert.rejects(openClipVision(g.toBytes()), /got outputs y float32 \[1,3,224,224\], expected image_embeds/);
});

test('a vision model with a fixed batch of 1 is run crop by crop with the same result', async () => {
  const clip = await fixtureClip();
  const one = await openClipVision(fixtureClipVision({ dim: 8, batch: 1 }));
  assert.equal(one.fixedBatch, 1);
  const a = await embedTile(clip, img, tile);
  const b = await embedTile({ vision: one }, img, tile);
  assert.ok(a.embeds.every((v, i) => Math.abs(v - b.embeds[i]) < 1e-6));
  await one.dispose();
  await clip.dispose();
});

test('an empty prompt is BAD_INPUT', async () => {
  const clip = await fixtureClip();
  await assert.rejects(embedText(clip, '  '), (e: unknown) => e instanceof EngineError && e.code === 'BAD_INPUT');
  await clip.dispose();
});
