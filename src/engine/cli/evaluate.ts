/** `fastsam-geo evaluate PREDICTED TRUTH [--iou 0.5] [-o matches.gpkg]`: the SpaceNet building metric. */
import { EngineError } from '../errors.js';
import type { Command } from './command.js';
import { parseCommand } from './command.js';
import { numberArg } from './geo-args.js';
import { OUTPUT_HELP, outputChoice } from './output.js';
import { evaluateFiles, EVALUATE_FIELDS, reprojectFeatures } from '../evaluate/evaluate.js';
import type { EvaluateMetrics } from '../evaluate/evaluate.js';
import { writeFeatures } from '../export/sink.js';
import { WGS84 } from '../geo/crs.js';

const HELP = `usage: fastsam-geo evaluate PREDICTED TRUTH [--iou 0.5] [-o matches.gpkg] [options]

Compares predicted building footprints with ground truth (each .geojson, .gpkg, .fgb or .parquet, any
CRS; both are reprojected to one projected CRS). SpaceNet metric: one-to-one matches at IoU ≥ --iou
(greedy by descending IoU), TP / FP / FN, precision, recall, F1; mean IoU of the matches; area bias.

options:
  --iou T                IoU threshold of a match (default 0.5)
${OUTPUT_HELP}
                         (writes every feature with side = predicted|truth, status = TP|FP|FN,
                         iou, source_id, match_id, area_m2)
  --json                 print the metrics as JSON on stdout
  -q, --quiet            no summary on stderr
`;

export function formatMetrics(m: EvaluateMetrics): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  return [
    `predicted ${m.predicted}, truth ${m.truth} (compared in ${m.crs}, IoU ≥ ${m.iouThreshold})`,
    `TP ${m.tp}  FP ${m.fp}  FN ${m.fn}`,
    `precision ${m.precision.toFixed(4)}  recall ${m.recall.toFixed(4)}  F1 ${m.f1.toFixed(4)}`,
    `mean IoU of matches ${m.meanIoU === null ? '-' : m.meanIoU.toFixed(4)}; area bias of matches ${m.areaBias === null ? '-' : pct(m.areaBias)}; ` +
      `total area predicted/truth ${m.areaRatio === null ? '-' : m.areaRatio.toFixed(3)}`,
  ].join('\n');
}

export const command: Command = {
  summary: 'predicted footprints vs ground truth: SpaceNet metric (TP/FP/FN, precision, recall, F1), mean IoU, area bias',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, HELP, {
      iou: { type: 'string' }, output: { type: 'string', short: 'o' }, format: { type: 'string' }, crs: { type: 'string' },
      json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' },
    }, true);
    if (!parsed) return 0;
    const { values: v, positionals } = parsed;
    if (positionals.length !== 2) throw new EngineError('BAD_INPUT', `expected PREDICTED and TRUTH, got ${positionals.length} files\n\n${HELP}`);
    const [predicted, truth] = positionals;
    const iou = numberArg('iou', v.iou, (n) => n > 0 && n <= 1, 'a number in (0, 1]');
    const out = v.output ? await outputChoice('evaluate', v, [predicted, truth]) : null;
    const r = await evaluateFiles(predicted, truth, { iou });
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    if (out) {
      const toWgs = out.crs === 'wgs84' && r.crs !== null;
      const features = toWgs ? reprojectFeatures(r.features, r.crs, WGS84) : r.features;
      await writeFeatures(out.path, features, { format: out.format, crs: toWgs ? WGS84 : r.crs, fields: EVALUATE_FIELDS, layer: 'matches', inputs: [predicted, truth] });
    }
    if (v.json) process.stdout.write(JSON.stringify(r.metrics) + '\n');
    else process.stdout.write(formatMetrics(r.metrics) + '\n');
    if (out && !v.quiet) process.stderr.write(`${r.features.length} features with their match status → ${out.path}\n`);
    return 0;
  },
};
