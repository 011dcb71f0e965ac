/**
 * `fastsam-geo models download clip [--quantized]`: the split CLIP ViT-B/32 encoders from a pinned
 * revision of Xenova/clip-vit-base-patch32 (onnx/vision_model*.onnx, onnx/text_model*.onnx), saved
 * as the engine's clip-vit-b32-vision.onnx / clip-vit-b32-text.onnx, each checked against the
 * engine's contract by opening it (prompts/clip/encoders.ts: pixel_values → image_embeds,
 * input_ids → text_embeds); a file that fails the check is deleted. The BPE vocabulary ships in the
 * package (assets/clip), so nothing else is needed for text prompts.
 * $FASTSAM_GEO_CLIP_URL replaces the base URL (a mirror, or a loopback server in tests).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { modelsDir } from '../config.js';
import { EngineError } from '../errors.js';
import { openClipText, openClipVision } from '../prompts/clip/encoders.js';
import { downloadFile, progressBar } from './download.js';

export const CLIP_REPO = 'Xenova/clip-vit-base-patch32';
export const CLIP_REVISION = '4c1807b705b1d015fb032789cc4d221b23025a6f';

/** Base URL of the pinned revision: $FASTSAM_GEO_CLIP_URL, else the Hugging Face resolve URL. */
export function clipBaseUrl(): string {
  return (process.env.FASTSAM_GEO_CLIP_URL || `https://huggingface.co/${CLIP_REPO}/resolve/${CLIP_REVISION}`).replace(/\/+$/, '');
}

export interface ClipVariant {
  part: 'vision' | 'text';
  /** Path in the upstream repository. */
  upstream: string;
  /** File the engine loads, in the models directory. */
  file: string;
  /** Approximate size in bytes (upstream listing), for the user; the download reports the exact one. */
  approxBytes: number;
}

export function clipVariants(quantized: boolean): ClipVariant[] {
  return [
    { part: 'vision', upstream: `onnx/vision_model${quantized ? '_quantized' : ''}.onnx`, file: 'clip-vit-b32-vision.onnx', approxBytes: quantized ? 89e6 : 352e6 },
    { part: 'text', upstream: `onnx/text_model${quantized ? '_quantized' : ''}.onnx`, file: 'clip-vit-b32-text.onnx', approxBytes: quantized ? 64.5e6 : 254e6 },
  ];
}

export interface ClipDownloadResult {
  part: 'vision' | 'text';
  path: string;
  bytes: number;
  sha256: string;
  url: string;
}

export async function downloadClip(options: { quantized?: boolean; log?: (m: string) => void; onProgress?: (r: number, t: number | null) => void; signal?: AbortSignal } = {}): Promise<ClipDownloadResult[]> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const out: ClipDownloadResult[] = [];
  for (const v of clipVariants(options.quantized === true)) {
    const url = `${clipBaseUrl()}/${v.upstream}`;
    const dest = path.join(modelsDir(), v.file);
    log(`downloading CLIP ${v.part} encoder (~${(v.approxBytes / 1e6).toFixed(0)} MB) from ${url}`);
    const r = await downloadFile(url, dest, { onProgress: options.onProgress ?? progressBar(v.file), signal: options.signal });
    try {
      const enc = v.part === 'vision' ? await openClipVision(dest) : await openClipText(dest);
      await enc.dispose();
    } catch (err) {
      await fs.rm(dest, { force: true });
      throw new EngineError('BAD_MODEL', `${url} does not fit the engine's CLIP ${v.part} contract and was deleted: ${(err as Error).message}`);
    }
    log(`saved ${dest} (${r.bytes} bytes, sha256 ${r.sha256}; inputs/outputs checked)`);
    out.push({ part: v.part, path: dest, bytes: r.bytes, sha256: r.sha256, url });
  }
  return out;
}
