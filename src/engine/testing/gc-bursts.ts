/**
 * Child process of util/gc-tuning.test.ts: bursts of short-lived objects (as a tile's vectorize makes)
 * with a quiet wait between them (as while the model runs), after the `fastsam-geo` entry point ran
 * (`cli`: main(['--version']), which tunes the collector as every command does) or not (`plain`).
 * Run with --trace-incremental-marking: the test reads why each marking started. Mode `growth`: see below.
 */
import v8 from 'node:v8';
import { main } from '../cli/main.js';
import { fullCollection, heapGrowingPercent } from '../util/gc-tuning.js';

if (process.argv[2] === 'growth') {
  // `growth`: the heap growth the entry point sets, after full collections that leave a small heap, a
  // large one (a 64 MB live array of objects), then a small one again; printed as JSON.
  const seen: Record<string, number> = { before: heapGrowingPercent() };
  await main(['--version']);
  seen.tuned = heapGrowingPercent();
  const settle = async (): Promise<void> => { fullCollection(); await new Promise((r) => setTimeout(r, 50)); };
  await settle();
  seen.small = heapGrowingPercent();
  let big: number[][] | null = Array.from({ length: 2 ** 20 }, (_, i) => [i, i + 0.5, i + 0.25]);
  await settle();
  seen.large = heapGrowingPercent();
  seen.largeMB = Math.round(v8.getHeapStatistics().used_heap_size / 2 ** 20);
  big = null;
  await settle();
  seen.smallAgain = heapGrowingPercent();
  process.stdout.write(`\n${JSON.stringify(seen)}\n`);
  process.exit(0);
}
if (process.argv[2] === 'cli') await main(['--version']);
const keep: unknown[][] = [];
for (let burst = 0; burst < 12; burst++) {
  const junk: unknown[] = [];
  for (let i = 0; i < 60000; i++) junk.push({ x: i, y: [i, i + 1], s: new Float64Array(8) });
  keep.push(junk.slice(0, 20000)); // some of it lives on, as a row's held objects do
  if (keep.length > 3) keep.shift();
  await new Promise((r) => setTimeout(r, 100));
}
