/**
 * The prompt branch of `fastsam-geo extract` (--points / --box / --text): everything-mode results come
 * from the tile cache under cacheDir() (so a second prompt on the same raster runs no model), the
 * selection goes through promptRaster, the layer is written atomically in the chosen format.
 */
import { writeCollection } from '../export/write-collection.js';
import type { OutputChoice } from './output.js';
import { createTileCache, createEmbeddingCache } from '../cache/tile-cache.js';
import { promptRaster, type PromptRasterOptions } from '../prompts/prompt-raster.js';
import type { RasterPrompt } from '../prompts/prompt-raster-types.js';
import { openClip } from '../prompts/text.js';

export interface ExtractPromptFlags {
  'clip-vision'?: string;
  'clip-text'?: string;
  'clip-bpe'?: string;
  quiet?: boolean;
}

export async function runExtractPrompt(
  raster: string,
  prompt: RasterPrompt,
  options: Omit<PromptRasterOptions, 'tileCache' | 'embeddingCache' | 'clip'>,
  flags: ExtractPromptFlags,
  out: OutputChoice,
): Promise<void> {
  const output = out.path;
  const clip = prompt.text
    ? await openClip({ vision: flags['clip-vision'], text: flags['clip-text'], bpe: flags['clip-bpe'], device: options.device })
    : undefined;
  try {
    const r = await promptRaster(raster, prompt, { ...options, tileCache: createTileCache(), embeddingCache: createEmbeddingCache(), clip });
    await writeCollection(output, r.collection, { format: out.format, inputs: typeof options.model === 'string' ? [raster, options.model] : [raster], signal: options.signal });
    if (!flags.quiet) {
      const t = r.timings;
      process.stderr.write(
        `${r.collection.features.length} selected (${r.unmatched.length} prompts matched nothing) from ${r.tiles} tiles` +
          `${r.cached ? ' (cached: no model run)' : ''} → ${output}\n` +
          `time ${t.total.toFixed(0)} ms: segment ${t.segment.toFixed(0)}, embed ${t.embed.toFixed(0)}, text ${t.text.toFixed(1)}, ` +
          `select ${t.select.toFixed(2)}, vectorize ${t.vectorize.toFixed(1)} ms\n`,
      );
    }
  } finally {
    await clip?.dispose();
  }
}
