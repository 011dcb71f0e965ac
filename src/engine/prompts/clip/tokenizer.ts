/**
 * The OpenAI CLIP tokenizer (clip/simple_tokenizer.py + clip.tokenize) on top of Hugging Face's
 * tokenizers.js (@huggingface/tokenizers: byte-level BPE with CLIP's `</w>` end-of-word suffix).
 *
 * The library needs a tokenizer.json; we build it here from the real merges file that every OpenAI
 * CLIP model ships (bpe_simple_vocab_16e6.txt.gz), exactly as simple_tokenizer.py builds its vocabulary:
 * the 256 byte-level symbols, the same with `</w>`, the first 48,894 merges joined, then
 * `<|startoftext|>` (49406) and `<|endoftext|>` (49407). Text is NFC-normalized, whitespace runs are
 * collapsed to one space and lowercased (simple_tokenizer's basic_clean + whitespace_clean + lower; the
 * ftfy step is a no-op for the prompts people type), split with simple_tokenizer's regex, byte-encoded
 * (bytes_to_unicode) and merged. `tokenize` then pads/truncates to the context length as clip.tokenize
 * does (truncate: keep the first 77, last one set to EOT; pad with 0).
 *
 * Checked against ids produced by OpenAI's reference implementation (tokenizer.test.ts).
 */
import { readInputFileSync } from '../../util/read-input.js';
import { gunzipSync } from 'node:zlib';
import { Tokenizer } from '@huggingface/tokenizers';
import { EngineError } from '../../errors.js';
import { DEFAULTS } from '../../config.js';

export const SOT_TOKEN = 49406;
export const EOT_TOKEN = 49407;
/** simple_tokenizer.py keeps merges[1 : 49152 - 256 - 2 + 1]. */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;

/** simple_tokenizer.py's split pattern (case-insensitive there; text is lowercased first anyway). */
const SPLIT_PATTERN =
  "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

/** GPT-2 / CLIP bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = bs.slice();
  let n = 0;
  const have = new Set(bs);
  for (let b = 0; b < 256; b++) {
    if (!have.has(b)) {
      bs.push(b);
      cs.push(256 + n);
      n += 1;
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i])));
  // simple_tokenizer.py orders the vocabulary by dict insertion order (bs order), not by byte value.
  return bs.map((b) => out[b]);
}

/** Reads the merges file (gzip or plain text) and returns the merge lines simple_tokenizer keeps. */
export function readMerges(bpePath: string): string[] {
  let raw: Buffer;
  raw = Buffer.from(readInputFileSync(bpePath, { maxBytes: 64 * 1024 * 1024, what: 'CLIP BPE merges file' }));
  let text: string;
  try {
    text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw, { maxOutputLength: 64 * 1024 * 1024 }).toString('utf8') : raw.toString('utf8');
  } catch (err) {
    throw new EngineError('BAD_INPUT', `CLIP BPE merges file ${bpePath}: not gzip or plain text (${(err as Error).message})`);
  }
  const lines = text.split('\n');
  const merges = lines.slice(1, CLIP_MERGE_COUNT + 1);
  if (merges.length !== CLIP_MERGE_COUNT || merges.some((m) => m.split(' ').length !== 2)) {
    throw new EngineError(
      'BAD_INPUT',
      `${bpePath}: got ${merges.length} merge lines, expected ${CLIP_MERGE_COUNT} lines of two symbols ` +
        '(the OpenAI CLIP bpe_simple_vocab_16e6.txt.gz)',
    );
  }
  return merges;
}

/** The tokenizer.json (Hugging Face format) equivalent to simple_tokenizer.py for these merges. */
export function clipTokenizerJson(merges: string[]): Record<string, unknown> {
  const byteSymbols = bytesToUnicode();
  const list = [
    ...byteSymbols,
    ...byteSymbols.map((s) => s + '</w>'),
    ...merges.map((m) => m.replace(' ', '')),
    '<|startoftext|>',
    '<|endoftext|>',
  ];
  const vocab: Record<string, number> = {};
  list.forEach((tok, i) => (vocab[tok] = i));
  const special = (id: number, content: string) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(SOT_TOKEN, '<|startoftext|>'), special(EOT_TOKEN, '<|endoftext|>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: SPLIT_PATTERN }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

export interface ClipTokenizeOptions {
  /** Context length (clip.tokenize: 77). */
  contextLength?: number;
  /** Pad to the context length with 0 (clip.tokenize does); false returns SOT … EOT only. */
  pad?: boolean;
}

export class ClipTokenizer {
  private readonly tok: Tokenizer;

  constructor(merges: string[]) {
    this.tok = new Tokenizer(clipTokenizerJson(merges) as any, {} as any);
  }

  /** BPE ids of the text without SOT/EOT. */
  encodeText(text: string): number[] {
    if (typeof text !== 'string') {
      throw new EngineError('BAD_INPUT', `text: got ${typeof text}, expected a string`);
    }
    return Array.from(this.tok.encode(text, { add_special_tokens: false } as any).ids as number[]);
  }

  /** clip.tokenize for one text: [SOT, …ids, EOT], truncated (EOT last) and padded with 0 to contextLength. */
  tokenize(text: string, options: ClipTokenizeOptions = {}): number[] {
    const contextLength = options.contextLength ?? DEFAULTS.clip.contextLength;
    const pad = options.pad ?? true;
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new EngineError('BAD_INPUT', `contextLength: got ${contextLength}, expected an integer ≥ 2`);
    }
    let ids = [SOT_TOKEN, ...this.encodeText(text), EOT_TOKEN];
    if (ids.length > contextLength) {
      ids = ids.slice(0, contextLength);
      ids[contextLength - 1] = EOT_TOKEN;
    }
    if (pad) while (ids.length < contextLength) ids.push(0);
    return ids;
  }
}

const cache = new Map<string, ClipTokenizer>();

/** A tokenizer for the merges file at `bpePath`, built once per path (building takes ~0.5 s). */
export function loadClipTokenizer(bpePath: string): ClipTokenizer {
  let t = cache.get(bpePath);
  if (!t) {
    t = new ClipTokenizer(readMerges(bpePath));
    cache.set(bpePath, t);
  }
  return t;
}
