/**
 * Fixture CLIP encoders (test assets, never product models): tiny ONNX graphs with the input/output
 * names and shapes of the standard CLIP exports, whose embeddings are predictable.
 *
 * - Vision: pixel_values [B,3,224,224] (CLIP-normalized) → image_embeds [B,D]. It un-normalizes the
 *   per-channel means (mean·std + clipMean = the crop's average colour in [0,1]), subtracts their
 *   average (so white, grey and black contribute nothing: FastSAM's blanked pixels are neutral), and
 *   places the three centred values in the first three of D dimensions.
 *   A pure red crop → (2/3, −1/3, −1/3, 0, …).
 * - Text: input_ids [B,77] int64 (and, in the `withAttentionMask` variant, attention_mask [B,77]) →
 *   text_embeds [B,D] = sum over tokens of a Gather from an embedding table (masked by the
 *   attention mask) whose only non-zero rows are the BPE ids of "red", "green" and "blue" (2,−1,−1),
 *   (−1,2,−1), (−1,−1,2). So "a red roof" has cosine 1 with a red crop and −1/2 with a green one.
 */
import { GraphBuilder } from '../onnx/builder.js';
import { DEFAULTS } from '../config.js';

/** CLIP BPE ids (checked against the real tokenizer in fixture-clip-models.test.ts). */
export const COLOUR_TOKENS = { red: 736, green: 1901, blue: 1746 } as const;
export const CLIP_VOCAB_SIZE = 49408;

export interface FixtureClipOptions {
  /** Embedding size (default 8; a real ViT-B/32 has 512). */
  dim?: number;
  /** Batch dimension: symbolic ('batch', default) or fixed (e.g. 1, as some exports have). */
  batch?: number | string;
}

export function fixtureClipVision(options: FixtureClipOptions = {}): Uint8Array {
  const dim = options.dim ?? 8;
  const batch = options.batch ?? 'batch';
  const size = DEFAULTS.clip.imageSize;
  const g = new GraphBuilder('fixture-clip-vision');
  const x = g.input('pixel_values', [batch, 3, size, size]);
  const m = g.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 }); // [B,3], normalized units
  const colour = g.op('Add', [g.op('Mul', [m, g.constF([...DEFAULTS.clip.std])]), g.constF([...DEFAULTS.clip.mean])]);
  const centred = g.op('Sub', [colour, g.op('ReduceMean', [colour], { axes: [1], keepdims: 1 })]);
  const w = new Float32Array(3 * dim);
  for (let c = 0; c < 3; c++) w[c * dim + c] = 1;
  const y = g.op('MatMul', [centred, g.init('proj', w, [3, dim])]);
  g.rename(y, 'image_embeds');
  g.output('image_embeds', [batch, dim]);
  return g.toBytes({ producer: 'fastsam-geo fixture', metadata: { fixture: 'clip-vision' } });
}

export function fixtureClipText(options: FixtureClipOptions & { withAttentionMask?: boolean } = {}): Uint8Array {
  const dim = options.dim ?? 8;
  const batch = options.batch ?? 'batch';
  const ctx = DEFAULTS.clip.contextLength;
  const g = new GraphBuilder('fixture-clip-text');
  const ids = g.input('input_ids', [batch, ctx], 'int64');
  const table = new Float32Array(CLIP_VOCAB_SIZE * dim);
  const rows: [number, number[]][] = [
    [COLOUR_TOKENS.red, [2, -1, -1]],
    [COLOUR_TOKENS.green, [-1, 2, -1]],
    [COLOUR_TOKENS.blue, [-1, -1, 2]],
  ];
  for (const [id, v] of rows) v.forEach((val, c) => (table[id * dim + c] = val));
  let e = g.op('Gather', [g.init('embed', table, [CLIP_VOCAB_SIZE, dim]), ids], { axis: 0 }); // [B,77,D]
  if (options.withAttentionMask) {
    const mask = g.input('attention_mask', [batch, ctx], 'int64');
    const mf = g.op('Unsqueeze', [g.op('Cast', [mask], { to: 1 }), g.constI64([2])]);
    e = g.op('Mul', [e, mf]);
  }
  const y = g.op('ReduceSum', [e, g.constI64([1])], { keepdims: 0 });
  g.rename(y, 'text_embeds');
  g.output('text_embeds', [batch, dim]);
  return g.toBytes({ producer: 'fastsam-geo fixture', metadata: { fixture: 'clip-text' } });
}
