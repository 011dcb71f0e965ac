/**
 * One model at one tile size on one device: the bare session.run (floor.ts) and the whole
 * everything-mode path (end-to-end.ts), interleaved run by run, plus the stage medians of the
 * end-to-end runs and the ratio end-to-end / bare (target ≤ 1.10).
 */
import path from 'node:path';
import { loadSegModel } from '../model/segmodel.js';
import type { FastSamArch } from '../testing/arch-model.js';
import { archModel, benchCacheDir, benchImage } from './arch-models.js';
import { endToEndRun, oneTileRaster, STAGES } from './end-to-end.js';
import type { EndToEndRun } from './end-to-end.js';
import type { Figure } from './figures.js';
import { bareRun } from './floor.js';
import { withFootprintMasks } from './footprint-masks.js';
import { medians, sideBySide } from './measure.js';
import { useHelperThreads, whenHelpersReady } from '../util/helper-thread.js';
import { useWasmLogits } from '../model/mask-logits.js';

export interface ModelPathOptions {
  device?: string;
  intraOpThreads?: number;
  warmup?: number;
  runs?: number;
  cacheDir?: string;
  onLog?: (message: string) => void;
}

/** Issue 13's targets for end to end / bare on one tile (the goal stays 1.10). */
export const ratioTarget = (imgsz: number): number => (imgsz >= 1024 ? 1.15 : 1.3);

export async function benchModelPath(arch: FastSamArch, imgsz: number, options: ModelPathOptions = {}): Promise<Figure[]> {
  const device = options.device ?? 'cpu';
  const m = await archModel(arch, imgsz, { cacheDir: options.cacheDir, intraOpThreads: options.intraOpThreads, onLog: options.onLog });
  const image = benchImage(imgsz);
  const raster = oneTileRaster(benchCacheDir(options.cacheDir), `one-tile-${imgsz}`, image);
  // Strict device: a GPU figure must never silently be a cpu figure.
  const model = await loadSegModel(m.file, { device: device === 'cpu' ? 'cpu' : `${device}!`, intraOpThreads: options.intraOpThreads, name: path.basename(m.file) });
  // The floor is onnxruntime's own session.run on this thread, without our worker's message round trip.
  const bareModel = await loadSegModel(m.file, { device: device === 'cpu' ? 'cpu' : `${device}!`, intraOpThreads: options.intraOpThreads, name: path.basename(m.file), worker: false });
  // Real building outlines for the masks the end-to-end path vectorizes (footprint-masks.ts).
  const outlined = withFootprintMasks(model);
  const runsE2e: EndToEndRun[] = [];
  let warm = options.warmup ?? 1;
  try {
    const bare = bareRun(bareModel, image, imgsz);
    options.onLog?.(`FastSAM-${arch} eq. @${imgsz} on ${device}: ${options.warmup ?? 1} warm-up + ${options.runs ?? 5} runs of bare and end-to-end, interleaved`);
    await whenHelpersReady();
    // One end-to-end run with a speed-up switched off (then on again): its time.
    const e2eWithout = async (use: (on: boolean) => void): Promise<number> => {
      use(false);
      try {
        return (await endToEndRun(outlined, raster, { tileSize: imgsz })).total;
      } finally {
        use(true);
      }
    };
    const t = await sideBySide({
      bare,
      e2e: async () => {
        const r = await endToEndRun(outlined, raster, { tileSize: imgsz });
        if (warm > 0) warm--;
        else runsE2e.push(r);
        return r.total;
      },
      // The same path with every mask decoded on this thread (util/helper-thread.ts's helpers not used).
      e2eOneThread: () => e2eWithout(useHelperThreads),
      // The same path with the mask logits in JavaScript instead of the WebAssembly kernel (model/mask-logits.ts).
      e2eJsLogits: () => e2eWithout(useWasmLogits),
    }, { warmup: options.warmup ?? 1, runs: options.runs ?? 5 });
    const sec = `Model floor vs end to end (${device})`;
    const k = `${device === 'cpu' ? '' : `${device}.`}${arch}.${imgsz}`;
    const stageMed = medians(Object.fromEntries(STAGES.map((s) => [s, runsE2e.map((r) => r.stages[s])])));
    const label = `FastSAM-${arch} eq. @${imgsz}`;
    const last = runsE2e[runsE2e.length - 1];
    const figures: Figure[] = [
      { key: `floor.${k}`, section: sec, label: `${label}: bare session.run`, value: t.bare.median, unit: 'ms', note: `${t.bare.runs} runs, min ${t.bare.min.toFixed(0)}` },
      { key: `e2e.${k}`, section: sec, label: `${label}: end to end (1-tile GeoTIFF)`, value: t.e2e.median, unit: 'ms', note: `${t.e2e.runs} runs, min ${t.e2e.min.toFixed(0)}; ${last.detections} detections → ${last.buildings} polygons` },
      { key: `ratio.${k}`, section: sec, label: `${label}: end to end / bare`, value: t.e2e.median / t.bare.median, unit: 'ratio', target: { max: ratioTarget(imgsz) } },
      { key: `helper.${k}`, section: sec, label: `${label}: end to end without / with the mask helper threads`, value: t.e2eOneThread.median / t.e2e.median, unit: 'ratio', note: `${t.e2eOneThread.median.toFixed(0)} vs ${t.e2e.median.toFixed(0)} ms` },
      { key: `wasm.${k}`, section: sec, label: `${label}: end to end with JavaScript / WebAssembly mask logits`, value: t.e2eJsLogits.median / t.e2e.median, unit: 'ratio', note: `${t.e2eJsLogits.median.toFixed(0)} vs ${t.e2e.median.toFixed(0)} ms` },
      // The same ratio from the stage medians: (bare + every non-inference stage) / bare. Less sensitive
      // to load from other processes than the ratio of two wall-time medians.
      { key: `ratioStages.${k}`, section: sec, label: `${label}: (bare + other stages) / bare`, value: 1 + STAGES.filter((s) => s !== 'inference').reduce((a, s) => a + stageMed[s], 0) / t.bare.median, unit: 'ratio', target: { max: ratioTarget(imgsz) } },
    ];
    const ssec = `Stages of the end-to-end path (${device}, medians per tile)`;
    for (const s of STAGES) {
      figures.push({ key: `stage.${k}.${s}`, section: ssec, label: `${label}: ${s}`, value: stageMed[s], unit: 'ms' });
    }
    return figures;
  } finally {
    await model.dispose();
    await bareModel.dispose();
  }
}
