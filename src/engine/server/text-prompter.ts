/**
 * Text prompts for the server: CLIP encoders opened on first use, the tiles' mask crops embedded
 * once (kept in the embedding cache under the tile's key) and text embeddings memoized.
 * The tile image is re-read with the pipeline's per-raster stretch, so CLIP sees what FastSAM saw.
 */
import type { TieredCache } from '../cache/tiered-cache.js';
import type { CropEmbeddings } from '../cache/embedding-codec.js';
import { DEFAULTS } from '../config.js';
import { EngineError } from '../errors.js';
import type { PromptTile } from '../prompts/prompt-tiles.js';
import { embedText, embedTile, openClip, type ClipModels } from '../prompts/text.js';
import { computeStretch, identityStretch, toRgb8, type Stretch } from '../raster/normalize.js';
import type { Raster } from '../raster/open.js';
import type { Tile } from '../raster/tiling.js';

export interface TextPrompterOptions {
  vision?: string;
  text?: string;
  /** CLIP BPE merges for the tokenizer (path); default: the file in the models directory. */
  bpe?: string;
  device?: string;
  cache: TieredCache<CropEmbeddings>;
}

export class TextPrompter {
  private clip: Promise<ClipModels> | null = null;
  private readonly texts = new Map<string, Float32Array>();

  constructor(private readonly options: TextPrompterOptions) {}

  private open(): Promise<ClipModels> {
    if (!this.clip) {
      this.clip = openClip({ vision: this.options.vision, text: this.options.text, bpe: this.options.bpe, device: this.options.device }).catch((err) => {
        this.clip = null;
        if (err instanceof EngineError && (err.code === 'MODEL_MISSING' || err.code === 'NOT_FOUND')) {
          throw new EngineError('MODEL_MISSING', `text prompts need the CLIP encoders: ${err.message} (or start the engine with --clip-vision V --clip-text T --clip-bpe B)`);
        }
        throw err;
      });
    }
    return this.clip;
  }

  /** Opens the CLIP encoders now: a text prompt fails on missing CLIP files before any tile is segmented. */
  async ready(): Promise<void> {
    await this.open();
  }

  async embedText(text: string, signal?: AbortSignal): Promise<Float32Array> {
    const hit = this.texts.get(text);
    if (hit) return hit;
    const e = await embedText(await this.open(), text, signal);
    if (this.texts.size > 1000) this.texts.clear();
    this.texts.set(text, e);
    return e;
  }

  /** The prompt tiles with their CLIP embeddings (from the cache, or computed now). */
  async embed(
    raster: Raster,
    bands: number[],
    tiles: Tile[],
    promptTiles: PromptTile[],
    keyOf: (t: Tile) => string,
    signal?: AbortSignal,
  ): Promise<PromptTile[]> {
    const clip = await this.open();
    let stretch: Stretch | null = null;
    const out: PromptTile[] = [];
    for (let i = 0; i < tiles.length; i++) {
      const key = keyOf(tiles[i]);
      let emb = await this.options.cache.get(key, signal);
      if (!emb) {
        if (!stretch) {
          stretch = raster.dtype === 'uint8'
            ? identityStretch(bands.length)
            : (await computeStretch(raster, { bands, percentiles: DEFAULTS.extract.percentiles, nodata: raster.nodata, signal })).stretch;
        }
        const win = await raster.readWindow(tiles[i].window, { bands, signal });
        const rgb = toRgb8(win, stretch, raster.nodata);
        const e = await embedTile(clip, rgb.image, promptTiles[i].result, { signal });
        emb = { indices: e.indices, embeds: e.embeds, dim: e.dim };
        await this.options.cache.set(key, emb, signal);
      }
      out.push({ ...promptTiles[i], embeddings: emb });
    }
    return out;
  }

  async close(): Promise<void> {
    const c = this.clip;
    this.clip = null;
    if (c) await c.then((m) => m.dispose(), () => {});
  }
}
