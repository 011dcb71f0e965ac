/**
 * The caches prompts read from: per-tile everything-mode results and CLIP crop embeddings, each in
 * memory (byte-bounded LRU) and on disk under cacheDir() (see keys.ts for what a key covers).
 */
import path from 'node:path';
import type { SegmentResult } from '../types.js';
import { DEFAULTS, cacheDir } from '../config.js';
import { TieredCache } from './tiered-cache.js';
import { encodeSegmentResult, decodeSegmentResult, resultBytes } from './mask-codec.js';
import { encodeEmbeddings, decodeEmbeddings, type CropEmbeddings } from './embedding-codec.js';

export interface TileCacheOptions {
  /** Memory bound in bytes (default DEFAULTS.cache.tileMemoryBytes). */
  maxBytes?: number;
  /** Disk directory; null = memory only; default `<cacheDir()>/tiles`. */
  dir?: string | null;
}

/** Everything-mode results per tile. The byte bound counts mask bitmaps ×5 (the prompt index's tables). */
export function createTileCache(options: TileCacheOptions = {}): TieredCache<SegmentResult> {
  return new TieredCache<SegmentResult>(
    { encode: encodeSegmentResult, decode: decodeSegmentResult, sizeOf: (r) => resultBytes(r) * 5 },
    {
      maxBytes: options.maxBytes ?? DEFAULTS.cache.tileMemoryBytes,
      dir: options.dir === undefined ? path.join(cacheDir(), 'tiles') : options.dir,
      ext: '.fsgr',
    },
  );
}

/** CLIP image embeddings of a tile's mask crops. */
export function createEmbeddingCache(options: TileCacheOptions = {}): TieredCache<CropEmbeddings> {
  return new TieredCache<CropEmbeddings>(
    { encode: encodeEmbeddings, decode: decodeEmbeddings, sizeOf: (e) => e.embeds.byteLength + e.indices.byteLength + 64 },
    {
      maxBytes: options.maxBytes ?? DEFAULTS.cache.embeddingMemoryBytes,
      dir: options.dir === undefined ? path.join(cacheDir(), 'clip') : options.dir,
      ext: '.fsge',
    },
  );
}
