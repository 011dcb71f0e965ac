/**
 * Timing helpers for the bench (figures, never assertions): medians of several runs after warm-ups,
 * and side-by-side measurement of several functions interleaved run by run, so that load from other
 * processes on a shared machine hits every contender alike.
 */
import { performance } from 'node:perf_hooks';

export interface Timing {
  /** Median of the timed runs (ms). */
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(samples: number[]): Timing {
  if (samples.length === 0) return { median: NaN, min: NaN, max: NaN, runs: 0 };
  const s = samples.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs: s.length };
}

export interface SideBySideOptions {
  /** Untimed runs of each contender first (default 1). */
  warmup?: number;
  /** Timed runs of each contender (default 5). */
  runs?: number;
  /** Called before every run, outside its time (e.g. util/gc-tuning.ts fullCollection). */
  settle?: () => void;
}

/**
 * Runs every contender `warmup` times, then `runs` rounds of one run each (in the given order).
 * Each contender may return its own duration (ms) to exclude set-up work; else the wall time counts.
 */
export async function sideBySide<K extends string>(
  contenders: Record<K, () => Promise<number | void> | number | void>,
  options: SideBySideOptions = {},
): Promise<Record<K, Timing>> {
  const warmup = options.warmup ?? 1;
  const runs = options.runs ?? 5;
  const keys = Object.keys(contenders) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const once = async (k: K): Promise<number> => {
    options.settle?.();
    const t0 = performance.now();
    const r = await contenders[k]();
    return typeof r === 'number' ? r : performance.now() - t0;
  };
  for (let i = 0; i < warmup; i++) for (const k of keys) await once(k);
  for (let i = 0; i < runs; i++) for (const k of keys) samples[k].push(await once(k));
  return Object.fromEntries(keys.map((k) => [k, summarize(samples[k])])) as Record<K, Timing>;
}

/** Median of each named series (e.g. per-stage times collected run by run). */
export function medians(series: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(series).map(([k, v]) => [k, summarize(v).median]));
}
