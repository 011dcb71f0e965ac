/**
 * The CLIP files a text prompt needs, as entries for the model registry (models/registry.ts lists
 * them in `fastsam-geo models`), and how the engine finds them: an explicit path, else the file name
 * in the models directory (config.modelsDir()).
 *
 * Checksums: the merges file's sha256 is the one of openai/CLIP's file (computed from our shared copy
 * of commit d05afc436d78). The ONNX encoders are Xenova's widely used exports of
 * openai/clip-vit-base-patch32 (the ones transformers.js loads); we could not download them here, so
 * their sha256 is not recorded (null) and `checksumVerified` says so: a download is then accepted by
 * size-free structural checks only (the encoders check input/output names when opened).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../errors.js';
import { modelsDir } from '../../config.js';

export type ClipFileKind = 'clip-vision' | 'clip-text' | 'clip-bpe';

export interface ClipModelEntry {
  name: string;
  kind: ClipFileKind;
  /** File name in the models directory. */
  file: string;
  url: string;
  /** sha256 of the file at `url`, or null when not verified by us. */
  sha256: string | null;
  checksumVerified: boolean;
  description: string;
}

export const CLIP_MODELS: ClipModelEntry[] = [
  {
    name: 'clip-vit-b32-vision',
    kind: 'clip-vision',
    file: 'clip-vit-b32-vision.onnx',
    url: 'https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/4c1807b705b1d015fb032789cc4d221b23025a6f/onnx/vision_model.onnx',
    sha256: null,
    checksumVerified: false,
    description: 'CLIP ViT-B/32 image encoder (pixel_values [B,3,224,224] → image_embeds [B,512]), ~350 MB',
  },
  {
    name: 'clip-vit-b32-text',
    kind: 'clip-text',
    file: 'clip-vit-b32-text.onnx',
    url: 'https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/4c1807b705b1d015fb032789cc4d221b23025a6f/onnx/text_model.onnx',
    sha256: null,
    checksumVerified: false,
    description: 'CLIP ViT-B/32 text encoder (input_ids [B,77] → text_embeds [B,512]), ~250 MB',
  },
  {
    name: 'clip-bpe',
    kind: 'clip-bpe',
    file: 'bpe_simple_vocab_16e6.txt.gz',
    url: 'https://raw.githubusercontent.com/openai/CLIP/d05afc436d78f1c48dc0dbf8e5980a9d471f35f6/clip/bpe_simple_vocab_16e6.txt.gz',
    sha256: '924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a',
    checksumVerified: true,
    description: 'OpenAI CLIP BPE merges (tokenizer vocabulary, 49,408 tokens), 1.3 MB',
  },
];

/** The BPE vocabulary shipped in the package (assets/clip, MIT): used when the models directory has none. */
export const PACKAGED_BPE = fileURLToPath(new URL('../../../../assets/clip/bpe_simple_vocab_16e6.txt.gz', import.meta.url));

/**
 * The path of a CLIP file: `explicit` when given (must exist), else `<modelsDir>/<file>` of the
 * registry entry of that kind; MODEL_MISSING (naming the file and how to get it) otherwise.
 */
export function resolveClipFile(kind: ClipFileKind, explicit?: string): string {
  const entry = CLIP_MODELS.find((m) => m.kind === kind)!;
  if (explicit) {
    const p = path.resolve(explicit);
    if (!existsSync(p)) throw new EngineError('NOT_FOUND', `${kind} file not found: ${p}`);
    return p;
  }
  const p = path.join(modelsDir(), entry.file);
  if (!existsSync(p) && kind === 'clip-bpe' && existsSync(PACKAGED_BPE)) return PACKAGED_BPE;
  if (!existsSync(p)) {
    throw new EngineError(
      'MODEL_MISSING',
      `${entry.name} is not installed: expected ${p}. Download it from ${entry.url} to that path ` +
        `(or run \`fastsam-geo models download ${kind === 'clip-bpe' ? entry.name : 'clip'}\`), or pass its path explicitly.`,
      { name: entry.name, path: p, url: entry.url },
    );
  }
  return p;
}
