/**
 * Text-prompt latency (a script, not a timed test): a text prompt costs tokenizer + text encoder +
 * selection over the tile's cached crop embeddings; the target is total ≤ encoder + 5 ms. Measured on
 * 300 masks with 512-dim embeddings (ViT-B/32's size). The text encoder is the given model
 * (--text PATH, e.g. the real clip-vit-b32-text) or, by default, the fixture text model, whose run
 * time is tiny: the overhead figures are what the target is about.
 */
import { loadClipTokenizer } from '../prompts/clip/tokenizer.js';
import { openClipText, encodeTokens } from '../prompts/clip/encoders.js';
import { fixtureClipText } from '../testing/fixture-clip-models.js';
import { sharedData } from '../testing/shared-data.js';
import { resolveClipFile } from '../prompts/clip/models.js';
import { selectByText } from '../prompts/text.js';
import { buildMaskIndex } from '../prompts/mask-index.js';
import { syntheticTile, rng } from '../testing/fixture-masks.js';
import { normalizeRows } from '../prompts/clip/encoders.js';
import { stats, type LatencyStats } from './latency-stats.js';

export interface TextBenchResult {
  encoder: string;
  masks: number;
  dim: number;
  tokenize: LatencyStats;
  encode: LatencyStats;
  select: LatencyStats;
  /** tokenize + encode + select, measured end to end. */
  total: LatencyStats;
  /** total median − encode median (target ≤ 5 ms). */
  overheadMs: number;
}

export async function benchTextPrompt(options: { text?: string; bpe?: string; masks?: number; dim?: number; runs?: number } = {}): Promise<TextBenchResult> {
  const masks = options.masks ?? 300;
  const dim = options.dim ?? 512;
  const runs = options.runs ?? 50;
  let bpe = options.bpe;
  if (!bpe) {
    try { bpe = resolveClipFile('clip-bpe'); } catch { bpe = sharedData('clip/bpe_simple_vocab_16e6.txt.gz'); }
  }
  const tok = loadClipTokenizer(bpe);
  const enc = await openClipText(options.text ?? fixtureClipText({ dim: 8 }));
  const index = buildMaskIndex(syntheticTile(masks, 1024, 5));
  const rand = rng(3);
  const emb = { indices: Int32Array.from({ length: masks }, (_, i) => i), embeds: normalizeRows(Float32Array.from({ length: masks * dim }, () => rand() - 0.5), dim), dim };
  const textEmbed = normalizeRows(Float32Array.from({ length: dim }, () => rand() - 0.5), dim);
  const prompts = ['a building', 'a satellite image of a house with a red roof', 'swimming pool', 'solar panels on rooftops'];
  const t = { tokenize: [] as number[], encode: [] as number[], select: [] as number[], total: [] as number[] };
  for (let r = -5; r < runs; r++) {
    const text = prompts[(r + 5) % prompts.length];
    const a = performance.now();
    const ids = tok.tokenize(text, { contextLength: enc.contextLength });
    const b = performance.now();
    await encodeTokens(enc, ids);
    const c = performance.now();
    selectByText(index, emb, textEmbed, { mode: 'all', threshold: 0.1 });
    const d = performance.now();
    if (r < 0) continue; // warm-up
    t.tokenize.push(b - a); t.encode.push(c - b); t.select.push(d - c); t.total.push(d - a);
  }
  await enc.dispose();
  const s = { tokenize: stats(t.tokenize), encode: stats(t.encode), select: stats(t.select), total: stats(t.total) };
  return { encoder: options.text ?? 'fixture text model (Gather + ReduceSum)', masks, dim, ...s, overheadMs: s.total.median - s.encode.median };
}
