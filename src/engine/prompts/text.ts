/**
 * Text prompts (CLIP): the tile's masks are embedded once (masked crops → image encoder; cached per
 * tile), the text once per prompt (tokenizer → text encoder); selection is then a dot product per mask.
 *
 * Score: cosine similarity of the L2-normalized embeddings (default), or, with `softmax: true`,
 * FastSAM's softmax over the candidates of logitScale(100)·cosine. Selection: the best match
 * (`mode: 'best'`, default), or every mask scoring at least `threshold` (`mode: 'all'`: "every building
 * in view"), best first. Masks under the minimum area were not embedded and are never selected.
 */
import type { RawImage, SegmentResult } from '../types.js';
import { EngineError } from '../errors.js';
import { DEFAULTS } from '../config.js';
import type { SessionOptions } from '../model/session.js';
import type { CropEmbeddings } from '../cache/embedding-codec.js';
import type { MaskIndex } from './mask-index.js';
import { maskArea } from './mask-index.js';
import type { PromptResult, Selected, MorphologyOptions } from './selection.js';
import { applyMorphology } from './selection.js';
import { clipCrops, type ClipCropOptions } from './clip/preprocess.js';
import {
  openClipVision, openClipText, encodeImages, encodeTokens, type ClipVisionEncoder, type ClipTextEncoder,
} from './clip/encoders.js';
import { loadClipTokenizer, type ClipTokenizer } from './clip/tokenizer.js';
import { resolveClipFile } from './clip/models.js';

export interface ClipModels {
  vision: ClipVisionEncoder;
  text: ClipTextEncoder;
  tokenizer: ClipTokenizer;
  dispose(): Promise<void>;
}

export interface OpenClipOptions extends SessionOptions {
  /** Vision model path or bytes (default: clip-vit-b32-vision in the models dir). */
  vision?: string | Uint8Array;
  /** Text model path or bytes (default: clip-vit-b32-text in the models dir). */
  text?: string | Uint8Array;
  /** BPE merges path (default: bpe_simple_vocab_16e6.txt.gz in the models dir). */
  bpe?: string;
}

export async function openClip(options: OpenClipOptions = {}): Promise<ClipModels> {
  const src = (v: string | Uint8Array | undefined, kind: 'clip-vision' | 'clip-text') =>
    v instanceof Uint8Array ? v : resolveClipFile(kind, v);
  const tokenizer = loadClipTokenizer(resolveClipFile('clip-bpe', options.bpe));
  const vision = await openClipVision(src(options.vision, 'clip-vision'), options);
  let text: ClipTextEncoder;
  try {
    text = await openClipText(src(options.text, 'clip-text'), options);
  } catch (err) {
    await vision.dispose();
    throw err;
  }
  return {
    vision,
    text,
    tokenizer,
    async dispose() {
      await vision.dispose();
      await text.dispose();
    },
  };
}

export interface EmbedTileOptions extends ClipCropOptions {
  batchSize?: number;
}

/** CLIP image embeddings of a tile's masks (the value the embedding cache stores). */
export async function embedTile(
  clip: Pick<ClipModels, 'vision'>,
  image: RawImage,
  result: Pick<SegmentResult, 'detections' | 'image'>,
  options: EmbedTileOptions = {},
): Promise<CropEmbeddings & { timings: { crops: number; encode: number } }> {
  const t0 = performance.now();
  const crops = await clipCrops(image, result, { ...options, size: clip.vision.imageSize });
  const t1 = performance.now();
  const { embeds, dim } = await encodeImages(clip.vision, crops.pixels, crops.indices.length, options);
  return {
    indices: Int32Array.from(crops.indices),
    embeds,
    dim,
    timings: { crops: t1 - t0, encode: performance.now() - t1 },
  };
}

/** L2-normalized text embedding of a prompt. */
export async function embedText(clip: Pick<ClipModels, 'text' | 'tokenizer'>, text: string, signal?: AbortSignal): Promise<Float32Array> {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new EngineError('BAD_INPUT', `text: got ${JSON.stringify(text)}, expected a non-empty prompt such as "building"`);
  }
  const ids = clip.tokenizer.tokenize(text, { contextLength: clip.text.contextLength });
  return encodeTokens(clip.text, ids, signal);
}

export interface TextSelectOptions extends MorphologyOptions {
  /** 'best' (default): the highest-scoring mask; 'all': every mask scoring ≥ threshold. */
  mode?: 'best' | 'all';
  /** Minimum score for mode 'all' (cosine, or probability with softmax). Default DEFAULTS.clip.threshold. */
  threshold?: number;
  /** Score with FastSAM's softmax over candidates of logitScale·cosine instead of the cosine. */
  softmax?: boolean;
  logitScale?: number;
  /** The prompt text, recorded in the result. */
  text?: string;
}

/** Scores of each embedded mask for a text embedding (same order as `embeddings.indices`). */
export function textScores(embeddings: CropEmbeddings, textEmbed: Float32Array, options: { softmax?: boolean; logitScale?: number } = {}): Float64Array {
  const { dim, embeds } = embeddings;
  if (textEmbed.length !== dim) {
    throw new EngineError('BAD_INPUT', `text embedding: got ${textEmbed.length} dims, expected ${dim} (image and text models must be a pair)`);
  }
  const n = embeddings.indices.length;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let k = 0; k < dim; k++) dot += embeds[i * dim + k] * textEmbed[k];
    s[i] = dot;
  }
  if (options.softmax) {
    const scale = options.logitScale ?? DEFAULTS.clip.logitScale;
    let max = -Infinity;
    for (const v of s) max = Math.max(max, v * scale);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (s[i] = Math.exp(s[i] * scale - max));
    for (let i = 0; i < n; i++) s[i] /= sum;
  }
  return s;
}

export function selectByText(index: MaskIndex, embeddings: CropEmbeddings, textEmbed: Float32Array, options: TextSelectOptions = {}): PromptResult {
  const t0 = performance.now();
  const mode = options.mode ?? 'best';
  if (mode !== 'best' && mode !== 'all') throw new EngineError('BAD_INPUT', `mode: got ${JSON.stringify(mode)}, expected 'best' or 'all'`);
  const threshold = options.threshold ?? DEFAULTS.clip.threshold;
  if (!Number.isFinite(threshold)) throw new EngineError('BAD_INPUT', `threshold: got ${threshold}, expected a number`);
  for (const i of embeddings.indices) {
    if (i < 0 || i >= index.detections.length) {
      throw new EngineError('BAD_INPUT', `embeddings: detection ${i} does not exist in this tile (stale cache?)`);
    }
  }
  const scores = textScores(embeddings, textEmbed, options);
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || embeddings.indices[a] - embeddings.indices[b]);
  const chosen = mode === 'best' ? order.slice(0, 1) : order.filter((k) => scores[k] >= threshold);
  const selected: Selected[] = chosen.map((k) => {
    const det = embeddings.indices[k];
    return {
      indices: [det],
      mask: index.detections[det].mask,
      area: maskArea(index, det),
      score: scores[k],
      prompt: { type: 'text', index: 0 },
    };
  });
  applyMorphology(selected, options, index);
  return { selected, unmatched: selected.length ? [] : [0], timings: { select: performance.now() - t0 } };
}
