/**
 * Child process of the large-raster bench (large-cog.ts): extracts one raster with the fixture
 * segmentation model and prints one JSON line with the tile count, stage times and this process's
 * peak RSS (VmHWM from /proc/self/status), so the figure is the extract run's own and nothing else's.
 *   node lib/engine/bench/extract-child.js '{"raster": "...", "tileSize": 1024, "threads": 2}'
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadSegModel } from '../model/segmodel.js';
import { extract } from '../pipeline/extract.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';

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
  const args = JSON.parse(process.argv[2] ?? '{}') as { raster: string; tileSize?: number; threads?: number };
  const model = await loadSegModel(buildFixtureSegModel(), { intraOpThreads: args.threads, name: 'fixture-seg' });
  const per = { preprocess: 0, inference: 0, decode: 0 };
  const t0 = performance.now();
  const r = await extract(args.raster, {
    model,
    tileSize: args.tileSize ?? 1024,
    onTile: (_t, res) => {
      per.preprocess += res.timings.preprocess;
      per.inference += res.timings.inference;
      per.decode += res.timings.postprocess;
    },
  });
  const e0 = performance.now();
  const text = JSON.stringify(r.collection);
  const exportMs = performance.now() - e0;
  const total = performance.now() - t0;
  await model.dispose();
  const out: ExtractChildResult = {
    raster: args.raster,
    tiles: r.tiles,
    detections: r.detections,
    buildings: r.buildings,
    geojsonMB: text.length / 2 ** 20,
    total,
    stages: { read: r.timings.read, ...per, vectorize: r.timings.vectorize - r.timings.geo, geo: r.timings.geo, export: exportMs },
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
