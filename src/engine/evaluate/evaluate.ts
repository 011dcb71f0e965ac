/**
 * `evaluate`: predicted footprints against ground truth, both in any output format and any CRS. Both
 * layers are reprojected (geo/crs) into one projected CRS: the truth's when projected, else the
 * prediction's, else the UTM zone of the truth's centre. Reports the SpaceNet metric (evaluate/match),
 * mean IoU of matches and the area bias, and gives every feature with its match status.
 */
import { EngineError } from '../errors.js';
import { transformer, utmFor, WGS84 } from '../geo/crs.js';
import type { Crs } from '../geo/crs.js';
import type { Feature } from '../export/geojson.js';
import { readLayer } from '../export/read-layer.js';
import type { Layer } from '../export/read-layer.js';
import type { FieldSpec } from '../export/fields.js';
import { matchShapes, shapeArea } from './match.js';
import type { MatchResult, Shape } from './match.js';

export interface EvaluateOptions {
  /** IoU threshold of a match (default 0.5, SpaceNet). */
  iou?: number;
  /** Force the input formats (default: from the extensions). */
  predictedFormat?: string;
  truthFormat?: string;
}

export interface EvaluateMetrics {
  iouThreshold: number;
  predicted: number;
  truth: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  meanIoU: number | null;
  /** (Σ predicted area − Σ truth area) / Σ truth area over the matched pairs (null without matches). */
  areaBias: number | null;
  /** Σ area of all predictions / Σ area of all truths (null without truth). */
  areaRatio: number | null;
  /** The CRS the comparison was made in. */
  crs: string;
}

export interface EvaluateResult {
  metrics: EvaluateMetrics;
  /** Every predicted then every truth feature, in `crs`, with side/status/iou/match properties. */
  features: Feature[];
  crs: Crs | null;
  warnings: string[];
}

/** Properties of the features `evaluate -o` writes. */
export const EVALUATE_FIELDS: FieldSpec[] = [
  { name: 'side', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'iou', type: 'real' },
  { name: 'source_id', type: 'text' },
  { name: 'match_id', type: 'text' },
  { name: 'area_m2', type: 'real' },
];

function toShape(f: Feature): Shape {
  return f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
}

function centre(layer: Layer): [number, number] | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const f of layer.features) for (const p of toShape(f)) for (const [x, y] of p[0] ?? []) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return x0 <= x1 ? [(x0 + x1) / 2, (y0 + y1) / 2] : null;
}

/** The projected CRS both layers are compared in (null: both in unknown / pixel coordinates). */
export function commonCrs(a: Layer, b: Layer): Crs | null {
  if (!a.crs && !b.crs) return null;
  if (!a.crs || !b.crs) {
    throw new EngineError('BAD_CRS', `the ${!a.crs ? 'predicted' : 'truth'} layer has no CRS and the other has one: cannot compare them (write both with a CRS)`);
  }
  for (const l of [b, a]) if (!l.crs!.geographic) return l.crs!;
  const c = centre(b) ?? centre(a);
  if (!c) return b.crs;
  const [lon, lat] = transformer(b.crs!, WGS84).forward(c[0], c[1]);
  return utmFor(lon, lat);
}

function reproject(s: Shape, from: Crs | null, to: Crs | null): Shape {
  if (!from || !to || from.def === to.def) return s;
  const t = transformer(from, to);
  return s.map((p) => p.map((r) => r.map(([x, y]) => t.forward(x, y))));
}

const idOf = (f: Feature, k: number): string => String(f.properties?.id ?? f.id ?? k + 1);

/** Evaluates two layers already read (see evaluateFiles for paths). */
export function evaluateLayers(pred: Layer, truth: Layer, options: EvaluateOptions = {}): EvaluateResult {
  const threshold = options.iou ?? 0.5;
  if (!(threshold > 0 && threshold <= 1)) throw new EngineError('BAD_INPUT', `iou: got ${threshold}, expected a number in (0, 1]`);
  const warnings: string[] = [];
  const work = commonCrs(pred, truth);
  if (!work) warnings.push('neither layer has a CRS: compared in their own coordinates (areas in squared units)');
  for (const [n, l] of [['predicted', pred], ['truth', truth]] as const) if (l.skipped) warnings.push(`${n}: ${l.skipped} non-polygon features skipped`);
  const ps = pred.features.map((f) => reproject(toShape(f), pred.crs, work));
  const ts = truth.features.map((f) => reproject(toShape(f), truth.crs, work));
  const m: MatchResult = matchShapes(ps, ts, { iou: threshold });
  const toM2 = work ? work.toMeters ** 2 : 1;
  const pa = ps.map((s) => shapeArea(s) * toM2);
  const ta = ts.map((s) => shapeArea(s) * toM2);
  let mp = 0;
  let mt = 0;
  for (const x of m.matches) {
    mp += pa[x.predicted];
    mt += ta[x.truth];
  }
  const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
  const metrics: EvaluateMetrics = {
    iouThreshold: threshold, predicted: ps.length, truth: ts.length, tp: m.tp, fp: m.fp, fn: m.fn,
    precision: m.precision, recall: m.recall, f1: m.f1, meanIoU: m.meanIoU,
    areaBias: mt > 0 ? (mp - mt) / mt : null,
    areaRatio: ts.length ? sum(pa) / sum(ta) : null,
    crs: work ? (work.code ?? work.def) : 'none',
  };
  const byPred = new Map(m.matches.map((x) => [x.predicted, x]));
  const byTruth = new Map(m.matches.map((x) => [x.truth, x]));
  const features: Feature[] = [];
  const geometry = (s: Shape): Feature['geometry'] => (s.length === 1 ? { type: 'Polygon', coordinates: s[0] } : { type: 'MultiPolygon', coordinates: s });
  const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
  ps.forEach((s, k) => {
    const x = byPred.get(k);
    const best = m.bestPredicted[k];
    features.push({
      type: 'Feature', geometry: geometry(s),
      properties: {
        side: 'predicted', status: x ? 'TP' : 'FP', iou: r4(x ? x.iou : best.iou), source_id: idOf(pred.features[k], k),
        match_id: x ? idOf(truth.features[x.truth], x.truth) : null, area_m2: Math.round(pa[k] * 100) / 100,
      },
    });
  });
  ts.forEach((s, k) => {
    const x = byTruth.get(k);
    const best = m.bestTruth[k];
    features.push({
      type: 'Feature', geometry: geometry(s),
      properties: {
        side: 'truth', status: x ? 'TP' : 'FN', iou: r4(x ? x.iou : best.iou), source_id: idOf(truth.features[k], k),
        match_id: x ? idOf(pred.features[x.predicted], x.predicted) : null, area_m2: Math.round(ta[k] * 100) / 100,
      },
    });
  });
  return { metrics, features, crs: work, warnings };
}

export async function evaluateFiles(predicted: string, truth: string, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const [p, t] = await Promise.all([readLayer(predicted, { format: options.predictedFormat }), readLayer(truth, { format: options.truthFormat })]);
  return evaluateLayers(p, t, options);
}

/** Reprojects result features (in `from`) to `to` (for a WGS84 GeoJSON output). */
export function reprojectFeatures(features: Feature[], from: Crs | null, to: Crs | null): Feature[] {
  if (!from || !to || from.def === to.def) return features;
  return features.map((f) => {
    const s = reproject(toShape(f), from, to);
    return { ...f, geometry: s.length === 1 && f.geometry.type === 'Polygon' ? { type: 'Polygon', coordinates: s[0] } : { type: 'MultiPolygon', coordinates: s } };
  });
}
