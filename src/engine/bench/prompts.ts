/**
 * Prompt latency on a cached tile, from the prompt benchmarks (prompt-latency.ts, text-prompt.ts):
 * points and boxes over ~300 cached masks, text with the fixture CLIP text model (its encoder time is
 * tiny: what counts is the overhead around the encoder).
 */
import { benchPrompts } from './prompt-latency.js';
import { benchTextPrompt } from './text-prompt.js';
import type { Figure } from './figures.js';

export async function benchPromptFigures(options: { runs?: number; textRuns?: number } = {}): Promise<Figure[]> {
  const p = benchPrompts({ runs: options.runs ?? 200 });
  let t: Awaited<ReturnType<typeof benchTextPrompt>> | null = null;
  let why = '';
  try {
    t = await benchTextPrompt({ runs: options.textRuns ?? 30 });
  } catch (err) {
    why = `text prompt not measured: ${(err as Error).message}`; // e.g. no CLIP BPE vocabulary on disk
  }
  const sec = `Prompt latency on a cached ${p.tile}² tile (${p.masks} masks)`;
  const two = { max: 2 };
  return [
    { key: 'prompt.index', section: sec, label: 'mask index build (once per tile)', value: p.indexBuildMs, unit: 'ms' },
    { key: 'prompt.point', section: sec, label: 'point prompt (1 fg + 1 bg)', value: p.point.median, unit: 'ms', target: two, note: `p95 ${p.point.p95.toFixed(3)}` },
    { key: 'prompt.points3', section: sec, label: 'point prompt (3 fg)', value: p.points3.median, unit: 'ms', target: two },
    { key: 'prompt.box', section: sec, label: 'box prompt (40–200 px)', value: p.box.median, unit: 'ms', target: two },
    { key: 'prompt.boxWholeTile', section: sec, label: 'box prompt (whole tile)', value: p.boxWholeTile.median, unit: 'ms', target: two },
    { key: 'prompt.text.total', section: sec, label: 'text prompt total (fixture CLIP text model, 512-dim crops)', value: t ? t.total.median : null, unit: 'ms', ...(t ? {} : { note: why }) },
    { key: 'prompt.text.overhead', section: sec, label: 'text prompt total − encoder', value: t ? t.overheadMs : null, unit: 'ms', target: { max: 5 } },
  ];
}
