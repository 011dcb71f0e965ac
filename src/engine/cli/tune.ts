/** `fastsam-geo tune RASTER --truth TRUTH [--conf 0.1:0.6:0.05] [--resolution 0.3,0.5,1]`. */
import { EngineError } from '../errors.js';
import { resolveModel } from '../models/registry.js';
import type { Command } from './command.js';
import { parseCommand } from './command.js';
import { bandsArg, numberArg } from './geo-args.js';
import { parseSweep, tune } from '../evaluate/tune.js';
import type { TuneRow } from '../evaluate/tune.js';

const HELP = `usage: fastsam-geo tune RASTER.tif --truth TRUTH [--conf 0.1:0.6:0.05] [--resolution 0.3,0.5,1] [options]

Finds the detection threshold and working resolution that score best against ground truth (any of
.geojson, .gpkg, .fgb, .parquet; any CRS) before running a whole city. The model runs once per tile and
resolution; every --conf value re-decodes those cached outputs (decode, seam merge, vectorize) exactly
as \`extract --conf\` would, and is scored with the SpaceNet metric (see \`evaluate\`). Pick an area
that the truth covers completely (--window / --bbox): truth outside it counts as missed.

options:
  --truth FILE           ground-truth footprints (required)
  --conf SWEEP           start:stop:step or a list (default 0.1:0.6:0.05)
  --resolution LIST      metres per pixel, comma-separated; "native" = the raster's own (default native)
  --match-iou T          IoU threshold of a match (default 0.5)
  --model M --device D --bands B --stretch LO,HI|none --nodata V --srs CRS --tile-size N --overlap N
  --window X0,Y0,X1,Y1 --bbox W,S,E,N --iou I (NMS) --max-det N --simplify M --no-regularize
  --min-area M2 --max-area M2        as in \`extract\`
  --json                 print every row and the best as JSON
  -q, --quiet            no per-row lines on stderr
`;

function list(name: string, v: string | undefined, n: number): number[] | undefined {
  if (v === undefined) return undefined;
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length !== n || xs.some((x) => !Number.isFinite(x))) throw new EngineError('BAD_INPUT', `--${name}: got ${JSON.stringify(v)}, expected ${n} comma-separated numbers`);
  return xs;
}

const line = (r: TuneRow): string => {
  const m = r.metrics;
  return `${(r.resolution === null ? 'native' : `${r.resolution} m`).padEnd(8)} conf ${r.conf.toFixed(3)}  predicted ${String(m.predicted).padStart(4)}  ` +
    `TP ${String(m.tp).padStart(4)} FP ${String(m.fp).padStart(4)} FN ${String(m.fn).padStart(4)}  ` +
    `P ${m.precision.toFixed(3)} R ${m.recall.toFixed(3)} F1 ${m.f1.toFixed(3)}  mIoU ${m.meanIoU === null ? '  -  ' : m.meanIoU.toFixed(3)}`;
};

export const command: Command = {
  summary: 'sweep --conf and --resolution against ground truth; prints the best settings by F1',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, HELP, {
      truth: { type: 'string' }, conf: { type: 'string' }, resolution: { type: 'string' }, 'match-iou': { type: 'string' },
      model: { type: 'string' }, device: { type: 'string' }, bands: { type: 'string' }, stretch: { type: 'string' },
      nodata: { type: 'string' }, srs: { type: 'string' }, 'tile-size': { type: 'string' }, overlap: { type: 'string' },
      window: { type: 'string' }, bbox: { type: 'string' }, iou: { type: 'string' }, 'max-det': { type: 'string' },
      simplify: { type: 'string' }, 'no-regularize': { type: 'boolean' }, 'min-area': { type: 'string' }, 'max-area': { type: 'string' },
      json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' },
    }, true);
    if (!parsed) return 0;
    const { values: v, positionals } = parsed;
    if (positionals.length !== 1) throw new EngineError('BAD_INPUT', `expected one RASTER.tif, got ${positionals.length}\n\n${HELP}`);
    if (!v.truth) throw new EngineError('BAD_INPUT', `tune: missing --truth FILE\n\n${HELP}`);
    const confs = parseSweep('conf', v.conf ?? '0.1:0.6:0.05', (n) => n >= 0 && n <= 1, 'start:stop:step or a list of numbers in 0..1');
    const resolutions = v.resolution === undefined || v.resolution === 'native' ? [null]
      : v.resolution.split(',').map((s) => (s.trim() === 'native' ? null : parseSweep('resolution', s.trim(), (n) => n > 0, 'metres per pixel > 0, comma-separated, or "native"')[0]));
    const intArg = (name: string, s: string | undefined, min: number): number | undefined =>
      numberArg(name, s, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);
    let stretch: [number, number] | 'none' | undefined;
    if (v.stretch === 'none') stretch = 'none';
    else if (v.stretch !== undefined) stretch = list('stretch', v.stretch, 2) as [number, number];
    const bbox = list('bbox', v.bbox, 4);
    const model = resolveModel(v.model ?? 'FastSAM-x', 'fastsam');
    const r = await tune(positionals[0], v.truth, {
      model, confs, resolutions,
      matchIoU: numberArg('match-iou', v['match-iou'], (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
      device: v.device, bands: bandsArg(v.bands), stretch, nodata: numberArg('nodata', v.nodata), srs: v.srs,
      tileSize: intArg('tile-size', v['tile-size'], 32), overlap: intArg('overlap', v.overlap, 0),
      window: list('window', v.window, 4) as [number, number, number, number] | undefined,
      extent: bbox ? { bbox: bbox as [number, number, number, number], crs: 'EPSG:4326' } : undefined,
      iou: numberArg('iou', v.iou, (n) => n >= 0 && n <= 1, 'a number in 0..1'),
      maxDet: intArg('max-det', v['max-det'], 1),
      simplify: numberArg('simplify', v.simplify, (n) => n >= 0, 'a tolerance ≥ 0 in metres'),
      regularize: !v['no-regularize'],
      minArea: numberArg('min-area', v['min-area'], (n) => n >= 0, 'an area ≥ 0'),
      maxArea: numberArg('max-area', v['max-area'], (n) => n > 0, 'an area > 0'),
      onRow: (row) => {
        if (!v.quiet && !v.json) process.stderr.write(line(row) + '\n');
      },
    });
    if (v.json) {
      process.stdout.write(JSON.stringify({ rows: r.rows, best: r.best, modelRuns: r.modelRuns, replays: r.replays }) + '\n');
    } else {
      const b = r.best;
      process.stdout.write(`best: ${line(b)}\n  → extract --conf ${b.conf}${b.resolution === null ? '' : ` --resolution ${b.resolution}`}\n` +
        `(${r.rows.length} settings, ${r.modelRuns} model runs, ${r.replays} replays from memory)\n`);
    }
    return 0;
  },
};
