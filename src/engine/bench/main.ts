/**
 * `fastsam-geo bench` / `npm run bench`: honest performance figures, each the median of several runs
 * after a warm-up, measured side by side in one process run (see BENCHMARKS.md):
 *   1. model floor vs end to end, FastSAM-s / -x architecture equivalents at 640 and 1024 (cpu),
 *      with the stages of the end-to-end path;
 *   2. prompt latency on a cached tile;
 *   3. session options (threads, graph optimization, dynamic int8);
 *   4. large COGs (peak RSS, time per tile) with the fixture model, one child process per size;
 *   5. GPU (webgpu / cuda) when a real GPU is present.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { intraOpThreads } from '../config.js';
import { EngineError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { FastSamArch } from '../testing/arch-model.js';
import { compareReports, formatCompare, readReport } from './compare.js';
import type { BenchReport, Figure } from './figures.js';
import { benchGpu, detectGpu } from './gpu.js';
import { benchLargeCogs } from './large-cog.js';
import { benchMapClick } from './map-click.js';
import { benchModelPath } from './model-path.js';
import { benchPeer } from './peer.js';
import { benchPromptFigures } from './prompts.js';
import { formatReport } from './report.js';
import { benchSessionOptions } from './session-options.js';

export const SECTIONS = ['models', 'peer', 'prompts', 'options', 'cog', 'gpu'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  models: FastSamArch[];
  sizes: number[];
  warmup: number;
  runs: number;
  /** Timed runs for FastSAM-x (≈6 s per run at 1024 on 2 cores). */
  runsX: number;
  /** Timed runs of the peer section (each a whole 4×4-tile raster, ours and the Python stack's). */
  runsPeer: number;
  cogSizes: number[];
  threads: number;
  sections: Section[];
  json?: string;
  compare?: string;
  cacheDir?: string;
  quiet: boolean;
}

export const HELP = `usage: fastsam-geo bench [options]     (npm run bench -- [options])

Prints performance figures (medians after a warm-up, side by side in one run) for FastSAM-s / -x
architecture-equivalent graphs (written once into the bench cache), prompt latency, session options,
large-COG peak RSS and time per tile, and the GPU when one is present. See BENCHMARKS.md.

options:
  --quick             a short run: FastSAM-s only, 3 runs, COGs of 2000 and 5000 px
  --gpu-only          only the GPU section (webgpu, cuda)
  --models s,x        architecture equivalents (default s,x)
  --imgsz 640,1024    tile sizes (default 640,1024)
  --runs N            timed runs per figure (default 5); --runs-x N for FastSAM-x (default 3);
                      --runs-peer N for the peer section (default 2: each run is a 4×4-tile raster)
  --warmup N          untimed runs first (default 1)
  --cog-sizes LIST    large-COG sides in px (default 2000,5000,10000,20000)
  --skip LIST         sections to skip: ${SECTIONS.join(', ')}
  --threads N         intra-op threads (default: what a user gets, config intraOpThreads(): ${intraOpThreads()})
  --json FILE         also write the figures as JSON
  --compare FILE      print current / previous ratios against an earlier --json
  --cache DIR         bench cache (default $FASTSAM_GEO_BENCH_CACHE, $FASTSAM_GEO_CACHE/bench or
                      ~/.cache/fastsam-geo/bench)
  -q, --quiet         no progress lines on stderr
`;

function list(name: string, v: string, parse: (s: string) => number | string): (number | string)[] {
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new EngineError('BAD_INPUT', `--${name}: got '${v}', expected a comma-separated list`);
  return parts.map(parse);
}

function int(name: string, min: number): (s: string) => number {
  return (s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) throw new EngineError('BAD_INPUT', `--${name}: got '${s}', expected an integer ≥ ${min}`);
    return n;
  };
}

/** Parses the bench's argv; returns null for --help. */
export function parseBenchArgs(argv: string[]): BenchOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' }, 'gpu-only': { type: 'boolean' }, models: { type: 'string' }, imgsz: { type: 'string' },
        runs: { type: 'string' }, 'runs-x': { type: 'string' }, 'runs-peer': { type: 'string' }, warmup: { type: 'string' }, 'cog-sizes': { type: 'string' },
        skip: { type: 'string' }, threads: { type: 'string' }, json: { type: 'string' }, compare: { type: 'string' },
        cache: { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new EngineError('BAD_INPUT', `${(err as Error).message} (see fastsam-geo bench --help)`);
  }
  if (values.help) return null;
  const quick = values.quick === true;
  const models = list('models', values.models ?? (quick ? 's' : 's,x'), (s) => {
    if (s !== 's' && s !== 'x') throw new EngineError('BAD_INPUT', `--models: got '${s}', expected s or x`);
    return s;
  }) as FastSamArch[];
  const sizes = list('imgsz', values.imgsz ?? '640,1024', (s) => {
    const n = int('imgsz', 64)(s);
    if (n % 32) throw new EngineError('BAD_INPUT', `--imgsz: got ${n}, expected a multiple of 32`);
    return n;
  }) as number[];
  const skip = values.skip ? list('skip', values.skip, (s) => {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new EngineError('BAD_INPUT', `--skip: got '${s}', expected some of ${SECTIONS.join(', ')}`);
    return s;
  }) as Section[] : [];
  const sections = values['gpu-only'] ? (['gpu'] as Section[]) : SECTIONS.filter((s) => !skip.includes(s));
  return {
    models,
    sizes,
    warmup: int('warmup', 0)(values.warmup ?? '1'),
    runs: int('runs', 1)(values.runs ?? (quick ? '3' : '5')),
    runsX: int('runs-x', 1)(values['runs-x'] ?? '3'),
    runsPeer: int('runs-peer', 1)(values['runs-peer'] ?? '2'),
    cogSizes: list('cog-sizes', values['cog-sizes'] ?? (quick ? '2000,5000' : '2000,5000,10000,20000'), int('cog-sizes', 256)) as number[],
    threads: int('threads', 1)(values.threads ?? String(intraOpThreads())),
    sections,
    json: values.json,
    compare: values.compare,
    cacheDir: values.cache,
    quiet: values.quiet === true,
  };
}

function machine(): BenchReport['machine'] {
  const require = createRequire(import.meta.url);
  let ortVersion = 'unknown';
  try { ortVersion = String(require('onnxruntime-node/package.json').version); } catch { /* not resolvable */ }
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    onnxruntime: ortVersion,
  };
}

export async function runBench(o: BenchOptions, command: string): Promise<BenchReport> {
  const log = (m: string) => { if (!o.quiet) process.stderr.write(`bench: ${m}\n`); };
  const figures: Figure[] = [];
  const notes: string[] = [
    'Architecture-equivalent graphs: exact YOLOv8-seg widths/depths of FastSAM-s (11.78M params) and FastSAM-x (71.7M), 1 class, seeded random weights with a calibrated class bias (~400 candidates above conf 0.4). Timings depend on the architecture, not the weights. The masks that end-to-end and peer runs vectorize are real building outlines (SpaceNet Atlanta footprints, bench/footprint-masks.ts), cut by the random boxes.',
    'Each figure is a median after warm-up; bare and end-to-end runs are interleaved run by run in one process, so their ratio is side by side even on a loaded machine.',
  ];
  const common = { cacheDir: o.cacheDir, intraOpThreads: o.threads, warmup: o.warmup, onLog: log };
  const failed: string[] = [];
  // A failing section is reported (notes, exit code 1) and the others still run: a 20-minute run
  // should not lose its figures to one missing tool.
  const section = async (name: Section, body: () => Promise<void>): Promise<void> => {
    if (!o.sections.includes(name)) return;
    try {
      await body();
    } catch (err) {
      const msg = `section ${name} failed: ${err instanceof EngineError ? `${err.code}: ` : ''}${(err as Error).message}`;
      log(msg);
      notes.push(msg);
      failed.push(name);
    }
  };
  await section('models', async () => {
    for (const arch of o.models) {
      for (const imgsz of o.sizes) figures.push(...await benchModelPath(arch, imgsz, { ...common, runs: arch === 'x' ? Math.min(o.runs, o.runsX) : o.runs }));
    }
  });
  await section('peer', async () => {
    // FastSAM-s only: 16 tiles of FastSAM-x would take minutes per run here.
    if (!o.models.includes('s')) return;
    for (const imgsz of o.sizes) figures.push(...await benchPeer('s', imgsz, { cacheDir: o.cacheDir, threads: o.threads, warmup: o.warmup, runs: o.runsPeer, onLog: log }));
  });
  await section('prompts', async () => {
    log('prompt latency');
    figures.push(...await benchPromptFigures());
    figures.push(...await benchMapClick({ onLog: log })); // the map's click path (issue 11)
  });
  await section('options', async () => {
    figures.push(...await benchSessionOptions({ cacheDir: o.cacheDir, threads: o.threads, warmup: o.warmup, runs: o.runs, onLog: log }));
  });
  await section('cog', async () => {
    figures.push(...await benchLargeCogs(o.cogSizes, { cacheDir: o.cacheDir, threads: o.threads, onLog: log }));
  });
  await section('gpu', async () => {
    const g = await benchGpu({ ...common, runs: o.runs, models: o.models, sizes: o.sizes, presence: detectGpu() });
    figures.push(...g.figures);
    notes.push(...g.notes);
  });
  return {
    failed,
    schema: 'fastsam-geo-bench/1',
    date: new Date().toISOString(),
    command,
    machine: machine(),
    options: { ...o, json: undefined, compare: undefined },
    figures,
    notes,
  };
}

/** The CLI entry: runs, prints the table, writes --json, prints --compare. Resolves to the exit code. */
export async function benchMain(argv: string[]): Promise<number> {
  const o = parseBenchArgs(argv);
  if (!o) {
    process.stdout.write(HELP);
    return 0;
  }
  const previous = o.compare ? readReport(o.compare) : null; // fail early on a bad file
  const report = await runBench(o, `fastsam-geo bench ${argv.join(' ')}`.trim());
  const m = report.machine;
  process.stdout.write(`fastsam-geo bench — ${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, node ${m.node}, onnxruntime-node ${m.onnxruntime}, ${o.threads} intra-op threads\n\n`);
  process.stdout.write(`${formatReport(report)}\n`);
  if (o.json) {
    await writeFileAtomic(o.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nfigures written to ${o.json}\n`);
  }
  if (previous && o.compare) process.stdout.write(`\n${formatCompare(compareReports(report, previous), `${o.compare}, ${previous.date}`)}\n`);
  return report.failed.length ? 1 : 0;
}
