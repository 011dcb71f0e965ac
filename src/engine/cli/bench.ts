/**
 * `fastsam-geo bench [options]`: performance figures (see src/engine/bench/main.ts and BENCHMARKS.md).
 */
import type { Command } from './command.js';

export const command: Command = {
  summary: 'performance figures: model floor vs end to end, stages, prompts, session options, large COGs, GPU',
  async run(argv: string[]): Promise<number> {
    const { benchMain } = await import('../bench/main.js');
    return benchMain(argv);
  },
};
