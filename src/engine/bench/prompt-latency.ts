/**
 * Prompt latency benchmark (a script, not a timed test): point and box prompts on a cached tile with
 * ~300 masks; `benchPrompts()` returns the figures for the bench developer's report, and running this
 * file prints them (`npm run bench:prompts`). Text-prompt figures are added by benchTextPrompt when
 * CLIP models are given (see text-prompt.ts).
 */
import { buildMaskIndex } from '../prompts/mask-index.js';
import { selectByPoints } from '../prompts/points.js';
import { selectByBoxes } from '../prompts/boxes.js';
import { syntheticTile, rng } from '../testing/fixture-masks.js';
import type { Box } from '../types.js';
import { stats, type LatencyStats } from './latency-stats.js';

export { stats, type LatencyStats };

export interface PromptBenchResult {
  masks: number;
  tile: number;
  /** Building the per-tile index (once per cached tile). */
  indexBuildMs: number;
  /** One foreground point + one background point. */
  point: LatencyStats;
  /** Three foreground points. */
  points3: LatencyStats;
  /** One box of 40–200 px. */
  box: LatencyStats;
  /** A box over the whole tile (worst case: every mask is a candidate). */
  boxWholeTile: LatencyStats;
}

export function benchPrompts(options: { masks?: number; tile?: number; runs?: number; seed?: number } = {}): PromptBenchResult {
  const masks = options.masks ?? 300;
  const tile = options.tile ?? 1024;
  const runs = options.runs ?? 500;
  const result = syntheticTile(masks, tile, options.seed ?? 1);
  const t0 = performance.now();
  const index = buildMaskIndex(result);
  const indexBuildMs = performance.now() - t0;
  const rand = rng(42);
  const at = () => Math.floor(rand() * tile);
  const time = (f: () => void): number[] => {
    for (let i = 0; i < 20; i++) f(); // warm-up (JIT, lazy summed-area tables)
    const out: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      f();
      out.push(performance.now() - s);
    }
    return out;
  };
  const box = (): Box => {
    const x = at(), y = at(), w = 40 + Math.floor(rand() * 160), h = 40 + Math.floor(rand() * 160);
    return [x, y, Math.min(tile, x + w), Math.min(tile, y + h)];
  };
  return {
    masks,
    tile,
    indexBuildMs,
    point: stats(time(() => selectByPoints(index, [{ x: at(), y: at(), label: 1 }, { x: at(), y: at(), label: 0 }]))),
    points3: stats(time(() => selectByPoints(index, [{ x: at(), y: at() }, { x: at(), y: at() }, { x: at(), y: at() }]))),
    box: stats(time(() => selectByBoxes(index, [box()]))),
    boxWholeTile: stats(time(() => selectByBoxes(index, [[0, 0, tile, tile]]))),
  };
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const r = benchPrompts();
  const f = (s: LatencyStats) => `median ${s.median.toFixed(4)} ms, p95 ${s.p95.toFixed(4)} ms (${s.runs} runs)`;
  console.log(`prompt latency on a ${r.tile}×${r.tile} tile with ${r.masks} masks (target: median ≤ 2 ms)`);
  console.log(`  index build (once per tile): ${r.indexBuildMs.toFixed(2)} ms`);
  console.log(`  point (1 fg + 1 bg):         ${f(r.point)}`);
  console.log(`  3 fg points:                 ${f(r.points3)}`);
  console.log(`  box (40–200 px):             ${f(r.box)}`);
  console.log(`  box over the whole tile:     ${f(r.boxWholeTile)}`);
  const { benchTextPrompt } = await import('./text-prompt.js');
  const t = await benchTextPrompt({ text: arg('--text'), bpe: arg('--bpe') });
  console.log(`text prompt, ${t.masks} cached crop embeddings of ${t.dim} dims, encoder: ${t.encoder}`);
  console.log(`  tokenize:     ${f(t.tokenize)}`);
  console.log(`  text encoder: ${f(t.encode)}`);
  console.log(`  select:       ${f(t.select)}`);
  console.log(`  total:        ${f(t.total)}`);
  console.log(`  total − encoder (median): ${t.overheadMs.toFixed(3)} ms (target ≤ 5 ms)`);
}
