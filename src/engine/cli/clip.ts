/**
 * `fastsam-geo clip tokenize TEXT [--bpe PATH]`: prints clip.tokenize's ids (SOT … EOT, padded with 0
 * to 77, truncated with EOT last) as a JSON array, for users checking their CLIP files.
 * `--no-pad` prints SOT … EOT only. The merges file is --bpe, else bpe_simple_vocab_16e6.txt.gz in the
 * models directory.
 */
import { EngineError } from '../errors.js';
import type { Command } from './command.js';
import { parseCommand } from './command.js';
import { loadClipTokenizer } from '../prompts/clip/tokenizer.js';
import { resolveClipFile } from '../prompts/clip/models.js';

const USAGE = `usage: fastsam-geo clip tokenize TEXT [--bpe PATH] [--no-pad] [--context-length N]

Prints the CLIP token ids of TEXT as a JSON array (as OpenAI's clip.tokenize).
  --bpe PATH            the CLIP merges file (default: bpe_simple_vocab_16e6.txt.gz in the models dir)
  --no-pad              print SOT … EOT without the 0 padding
  --context-length N    default 77`;

export const command: Command = {
  summary: 'CLIP utilities: `clip tokenize TEXT` prints token ids',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, USAGE + '\n', {
      bpe: { type: 'string' },
      'no-pad': { type: 'boolean' },
      'context-length': { type: 'string' },
    }, true);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const [sub, ...words] = positionals;
    if (sub !== 'tokenize' || words.length === 0) {
      process.stderr.write(USAGE + '\n');
      return 2;
    }
    const contextLength = values['context-length'] === undefined ? undefined : Number(values['context-length']);
    if (contextLength !== undefined && !Number.isInteger(contextLength)) {
      throw new EngineError('BAD_INPUT', `--context-length: got ${values['context-length']}, expected an integer`);
    }
    const tok = loadClipTokenizer(resolveClipFile('clip-bpe', values.bpe));
    const ids = tok.tokenize(words.join(' '), { pad: !values['no-pad'], contextLength });
    process.stdout.write(JSON.stringify(ids) + '\n');
    return 0;
  },
};
