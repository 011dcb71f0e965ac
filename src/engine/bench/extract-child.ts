/**
 * Child process of the large-raster bench (large-cog.ts): extracts one raster with the fixture
 * segmentation model and prints one JSON line with the tile count, stage times and this process's
 * peak RSS (VmHWM from /proc/self/status), so the figure is the extract run's own and nothing else's.
 *   node lib/engine/bench/extract-child.js '{"raster": "...", "tileSize": 1024, "threads": 2}'
 */
import { readFileSync } from 'node:fs';
import { loadSegModel } from '../model/segmodel.js';
import { endToEndRun } from './end-to-end.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { tuneGarbageCollector } from '../util/gc-tuning.js';

export interface ExtractChildResult {
  raster: string;
  tiles: number;
  detections: number;
  buildings: number;
  /** Size of the GeoJSON text. */
  geojsonMB: number;
  /** Wall time of the extract call + export (ms). */
  total: number;
  /** Summed over tiles (ms). */
  stages: { read: number; preprocess: number; inference: number; decode: number; vectorize: number; geo: number; export: number };
  /** Peak resident set size (MB, VmHWM). */
  peakRssMB: number;
}

/** Peak RSS of this process in MB (Linux), or NaN where /proc is missing. */
export function peakRssMB(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  tuneGarbageCollector(); // as in the `fastsam-geo` command
  const args = JSON.parse(process.argv[2] ?? '{}') as { raster: string; tileSize?: number; threads?: number };
  const model = await loadSegModel(buildFixtureSegModel(), { intraOpThreads: args.threads, name: 'fixture-seg' });
  const r = await endToEndRun(model, args.raster, { tileSize: args.tileSize ?? 1024 });
  await model.dispose();
  const out: ExtractChildResult = {
    raster: args.raster,
    tiles: r.tiles,
    detections: r.detections,
    buildings: r.buildings,
    geojsonMB: r.geojsonChars / 2 ** 20,
    total: r.total,
    stages: r.stages,
    peakRssMB: peakRssMB(),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
