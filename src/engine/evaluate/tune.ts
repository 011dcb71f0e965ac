/**
 * `tune`: sweeps the detection threshold (conf) and the working resolution against ground truth. The
 * model runs once per tile and resolution (evaluate/replay-model keeps the raw outputs in memory); every
 * conf value then re-runs decode → seam merge → vectorize on those outputs, exactly as `extract --conf`
 * would, and the layer is scored with the SpaceNet metric (evaluate/evaluate).
 */
import { EngineError, throwIfAborted } from '../errors.js';
import { extract } from '../pipeline/extract.js';
import type { ExtractOptions } from '../pipeline/extract.js';
import { loadSegModel } from '../model/segmodel.js';
import type { SegModel } from '../model/segmodel.js';
import { readLayer } from '../export/read-layer.js';
import { collectionCrs } from '../export/write-collection.js';
import { evaluateLayers } from './evaluate.js';
import type { EvaluateMetrics } from './evaluate.js';
import { replayModel } from './replay-model.js';

export interface TuneOptions extends Omit<ExtractOptions, 'conf' | 'resolution' | 'crs' | 'model' | 'onTile'> {
  model: SegModel | string | Uint8Array;
  /** conf values to try. */
  confs: number[];
  /** Resolutions in metres per pixel; null = the raster's own. Default [null]. */
  resolutions?: (number | null)[];
  /** IoU threshold of a match (default 0.5). */
  matchIoU?: number;
  onRow?: (row: TuneRow) => void;
}

export interface TuneRow {
  resolution: number | null;
  conf: number;
  metrics: EvaluateMetrics;
}

export interface TuneResult {
  rows: TuneRow[];
  /** The best row by F1 (ties: higher precision, then the coarser resolution, then the higher conf). */
  best: TuneRow;
  /** Real model runs (tiles × resolutions) and runs answered from memory. */
  modelRuns: number;
  replays: number;
}

/** "0.1:0.6:0.05" (start:stop:step, stop included) or "0.2,0.3,0.4". */
export function parseSweep(name: string, text: string, check: (n: number) => boolean, expected: string): number[] {
  const bad = (): never => {
    throw new EngineError('BAD_INPUT', `--${name}: got ${JSON.stringify(text)}, expected ${expected}`);
  };
  let xs: number[];
  if (text.includes(':')) {
    const parts = text.split(':').map((s) => Number(s.trim()));
    if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x)) || !(parts[2] > 0) || parts[1] < parts[0]) bad();
    const [a, b, step] = parts;
    const n = Math.floor((b - a) / step + 1e-9);
    if (n > 200) bad();
    xs = Array.from({ length: n + 1 }, (_, k) => Math.round((a + k * step) * 1e6) / 1e6);
  } else {
    xs = text.split(',').map((s) => Number(s.trim()));
  }
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || !check(x))) bad();
  return [...new Set(xs)];
}

export async function tune(raster: string, truthPath: string, options: TuneOptions): Promise<TuneResult> {
  if (!options.confs?.length) throw new EngineError('BAD_INPUT', 'confs: got none, expected at least one conf value');
  const truth = await readLayer(truthPath);
  if (truth.features.length === 0) throw new EngineError('EMPTY', `${truthPath}: no polygons to compare with`);
  const ownModel = typeof options.model === 'string' || options.model instanceof Uint8Array;
  const base = ownModel ? await loadSegModel(options.model as string | Uint8Array, { device: options.device }) : (options.model as SegModel);
  const rows: TuneRow[] = [];
  let modelRuns = 0;
  let replays = 0;
  try {
    for (const resolution of options.resolutions ?? [null]) {
      const rm = replayModel(base);
      for (const conf of options.confs) {
        throwIfAborted(options.signal);
        const { confs: _c, resolutions: _r, matchIoU: _m, onRow: _o, model: _model, ...extractOpts } = options;
        const r = await extract(raster, { ...extractOpts, model: rm.model, conf, resolution: resolution ?? undefined, crs: 'native' });
        const layer = { features: r.collection.features, crs: collectionCrs(r.collection as never), format: 'geojson' as const, skipped: 0 };
        const row: TuneRow = { resolution, conf, metrics: evaluateLayers(layer, truth, { iou: options.matchIoU }).metrics };
        rows.push(row);
        options.onRow?.(row);
      }
      modelRuns += rm.runs;
      replays += rm.replays;
      rm.clear();
    }
  } finally {
    if (ownModel) await base.dispose().catch(() => {});
  }
  const best = [...rows].sort((a, b) => b.metrics.f1 - a.metrics.f1 || b.metrics.precision - a.metrics.precision
    || (b.resolution ?? 0) - (a.resolution ?? 0) || b.conf - a.conf)[0];
  return { rows, best, modelRuns, replays };
}
