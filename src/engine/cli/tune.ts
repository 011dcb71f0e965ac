/** `fastsam-geo tune RASTER --truth TRUTH`: placeholder until the sweep lands. */
import { EngineError } from '../errors.js';
import type { Command } from './command.js';

export const command: Command = {
  summary: 'sweep --conf and --resolution against ground truth',
  async run(): Promise<number> {
    throw new EngineError('BAD_INPUT', 'tune: not available yet');
  },
};
