/**
 * `fastsam-geo` command dispatcher. Each command lives in its own file (cli/<name>.ts) and exports
 * `command: Command`; add it to COMMANDS below.
 */
import { EngineError } from '../errors.js';
import { tuneGarbageCollector } from '../util/gc-tuning.js';
import type { Command } from './command.js';
import { version } from './command.js';

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  segment: () => import('./segment.js'),
  models: () => import('./models.js'),
  serve: () => import('./serve.js'),
  clip: () => import('./clip.js'),
  vectorize: () => import('./vectorize.js'),
  extract: () => import('./extract.js'),
  bench: () => import('./bench.js'),
  cache: () => import('./cache.js'),
  worker: () => import('./worker.js'),
  jobs: () => import('./jobs.js'),
  evaluate: () => import('./evaluate.js'),
  tune: () => import('./tune.js'),
};

/** One line per command (kept here so that `--help` does not load every command's dependencies). */
const SUMMARIES: Record<string, string> = {
  extract: 'GeoTIFF → building footprints as GeoJSON (tiles, seams, right angles; --points/--box/--text prompts)',
  segment: 'FastSAM everything mode on one image → JSON (boxes, scores, COCO RLE masks), optional PNG overlay',
  vectorize: 'a mask or label raster → polygons (exact pixel edges, like gdal_polygonize)',
  serve: 'the HTTP API on 127.0.0.1 (what the JupyterLab extension talks to)',
  models: 'list, locate, download and convert the model files (FastSAM .pt → ONNX, CLIP)',
  bench: 'performance figures: model floor vs end to end, stages, prompts, session options, large COGs, GPU',
  clip: 'CLIP helpers: `clip tokenize TEXT` prints the token ids',
  cache: 'the per-tile result store (resume): size per raster, clear all or one raster',
  worker: 'runs queued tiles and merges (extract --queue redis://...; BullMQ on Redis)',
  jobs: 'status, wait for or cancel a queued extraction',
  evaluate: 'predicted footprints vs ground truth: SpaceNet metric (precision, recall, F1), mean IoU, area bias',
  tune: 'sweep --conf and --resolution against ground truth; prints the best settings by F1',
};

/**
 * `--bbox -84.39,33.65,...` → `--bbox=-84.39,33.65,...`: node's parseArgs refuses an option value that
 * starts with '-' unless it is attached with '='. A long option followed by a token that starts with
 * '-' and then a digit or '.' (a negative number or a list that starts with one) takes it as its value.
 */
export function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (/^--[a-z][\w-]*$/i.test(a) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function usage(): string {
  const lines = ['usage: fastsam-geo <command> [options]', '', 'commands:'];
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  for (const name of Object.keys(COMMANDS).sort()) lines.push(`  ${name.padEnd(width)}  ${SUMMARIES[name] ?? ''}`.trimEnd());
  lines.push('', 'Run `fastsam-geo <command> --help` for a command\'s options.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  tuneGarbageCollector();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`fastsam-geo: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const { command } = await load();
  try {
    return await command.run(joinDashValues(rest));
  } catch (err) {
    if (err instanceof EngineError) {
      process.stderr.write(`fastsam-geo ${name}: ${err.message}\n`);
      // For scripts and the hostile-input suite: the error's code on a line of its own.
      if (process.env.FASTSAM_GEO_ERROR_CODE === '1') process.stderr.write(`error-code: ${err.code}\n`);
      return err.code === 'ABORTED' ? 130 : 1;
    }
    throw err;
  }
}
