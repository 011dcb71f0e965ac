/**
 * Child process of util/gc-tuning.test.ts: bursts of short-lived objects (as a tile's vectorize makes)
 * with a quiet wait between them (as while the model runs), after the `fastsam-geo` entry point ran
 * (`cli`: main(['--version']), which tunes the collector as every command does) or not (`plain`).
 * Run with --trace-incremental-marking: the test reads why each marking started.
 */
import { main } from '../cli/main.js';

if (process.argv[2] === 'cli') await main(['--version']);
const keep: unknown[][] = [];
for (let burst = 0; burst < 12; burst++) {
  const junk: unknown[] = [];
  for (let i = 0; i < 60000; i++) junk.push({ x: i, y: [i, i + 1], s: new Float64Array(8) });
  keep.push(junk.slice(0, 20000)); // some of it lives on, as a row's held objects do
  if (keep.length > 3) keep.shift();
  await new Promise((r) => setTimeout(r, 100));
}
