/**
 * Prompt flags of `fastsam-geo extract`, parsed into a RasterPrompt:
 *   --points "x,y[,label];x,y[,label]"   label 1 = foreground (default), 0 = background
 *   --box "minx,miny,maxx,maxy"          (repeatable, or several separated by ';')
 *   --text "building"                    [--threshold T: every match ≥ T instead of the best]
 *   --prompt-crs pixel|native|EPSG:NNNN  the CRS of --points/--box (default native: the raster's CRS)
 *   --merge                               merge the objects of several points into one
 */
import { EngineError } from '../errors.js';
import type { Box } from '../types.js';
import type { RasterPrompt } from './prompt-raster-types.js';

function numbers(s: string, what: string, counts: number[]): number[] {
  const parts = s.split(',').map((p) => p.trim());
  const v = parts.map(Number);
  if (!counts.includes(parts.length) || v.some((x, i) => parts[i] === '' || !Number.isFinite(x))) {
    throw new EngineError('BAD_INPUT', `${what}: got "${s}", expected ${counts.length > 1 ? 'x,y or x,y,label' : counts[0] === 4 ? 'minx,miny,maxx,maxy' : `${counts[0]} numbers`}`);
  }
  return v;
}

export function parsePoints(spec: string): NonNullable<RasterPrompt['points']> {
  const items = spec.split(';').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new EngineError('BAD_INPUT', `--points: got "${spec}", expected "x,y[,label];..."`);
  return items.map((it) => {
    const [x, y, label = 1] = numbers(it, '--points', [2, 3]);
    if (label !== 0 && label !== 1) throw new EngineError('BAD_INPUT', `--points: got label ${label} in "${it}", expected 1 (foreground) or 0 (background)`);
    return { x, y, label: label as 0 | 1 };
  });
}

export function parseBoxes(specs: string[]): Box[] {
  const items = specs.flatMap((s) => s.split(';')).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new EngineError('BAD_INPUT', '--box: got nothing, expected "minx,miny,maxx,maxy"');
  return items.map((it) => numbers(it, '--box', [4]) as Box);
}

export interface PromptFlags {
  points?: string;
  box?: string[];
  text?: string;
  threshold?: string;
  'prompt-crs'?: string;
  merge?: boolean;
}

/** The RasterPrompt of the flags, or null when no prompt flag is given (plain everything-mode extract). */
export function promptFromFlags(flags: PromptFlags): RasterPrompt | null {
  const given = [flags.points !== undefined, (flags.box?.length ?? 0) > 0, flags.text !== undefined].filter(Boolean).length;
  if (given === 0) return null;
  if (given > 1) throw new EngineError('BAD_INPUT', 'prompt: got several of --points, --box and --text, expected one');
  const threshold = flags.threshold === undefined ? undefined : Number(flags.threshold);
  if (threshold !== undefined && !Number.isFinite(threshold)) throw new EngineError('BAD_INPUT', `--threshold: got "${flags.threshold}", expected a number`);
  if (flags.text !== undefined && flags.text.trim() === '') throw new EngineError('BAD_INPUT', '--text: got an empty prompt, expected e.g. "building"');
  return {
    points: flags.points !== undefined ? parsePoints(flags.points) : undefined,
    boxes: flags.box?.length ? parseBoxes(flags.box) : undefined,
    text: flags.text,
    threshold,
    coords: flags['prompt-crs'] ?? 'native',
    merge: flags.merge,
  };
}

/** parseArgs option specs of the prompt flags (spread into the extract command's options). */
export const PROMPT_FLAG_SPECS = {
  points: { type: 'string' },
  box: { type: 'string', multiple: true },
  text: { type: 'string' },
  threshold: { type: 'string' },
  'prompt-crs': { type: 'string' },
  merge: { type: 'boolean' },
  'clip-vision': { type: 'string' },
  'clip-text': { type: 'string' },
  'clip-bpe': { type: 'string' },
} as const;

export const PROMPT_FLAGS_HELP = `prompts (select among the cached everything-mode masks instead of returning them all):
  --points "x,y[,label];..."   label 1 foreground (default), 0 background
  --box "minx,miny,maxx,maxy"  one or more boxes (repeat the flag or separate with ';')
  --text "building"            CLIP text prompt (best match; --threshold T: every match ≥ T)
  --prompt-crs CRS             CRS of --points/--box: native (default), pixel or EPSG:NNNN
  --merge                      merge the objects of several points into one
  --clip-vision PATH, --clip-text PATH, --clip-bpe PATH   CLIP files (default: the models dir)`;
