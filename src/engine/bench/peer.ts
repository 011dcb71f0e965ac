/**
 * The `peer` section: fastsam-geo against the pipeline a Python user writes with the standard stack
 * (peer.py: GDAL + OpenCV + onnxruntime + numpy + shapely, BLAS threads limited to 1), on the same model
 * file, the same raster of 4×4 tiles and the same thresholds and intra-op threads; run by run
 * interleaved with ours and with a bare session.run, so load hits all three alike. Also checks that both
 * find the same detections on the first tile (boxes matched at IoU ≥ 0.99, scores within 1e-3).
 * Masks on both sides are the bench's building outlines (footprint-masks.ts).
 * Needs .venv-peer (bash scripts/setup-peer-python.sh) or $FASTSAM_GEO_PEER_PYTHON.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';
import { loadSegModel, segmentImage } from '../model/segmodel.js';
import { autoSessions } from '../model/session-pool.js';
import { extract } from '../pipeline/extract.js';
import { openRaster } from '../raster/open.js';
import type { FastSamArch } from '../testing/arch-model.js';
import type { RawImage } from '../types.js';
import { fullCollection } from '../util/gc-tuning.js';
import { archModel, benchCacheDir, benchImage } from './arch-models.js';
import { gridRaster } from './end-to-end.js';
import type { Figure } from './figures.js';
import { bareRun, modelOnlyRun } from './floor.js';
import { footprintMapFile, withFootprintMasks } from './footprint-masks.js';
import { sideBySide } from './measure.js';
import type { Timing } from './measure.js';

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** peer.py lives beside this file in src/; lib/ has only the compiled TypeScript. */
const PEER_PY = path.resolve(HERE, '..', '..', '..', 'src', 'engine', 'bench', 'peer.py');
const REPO = path.resolve(HERE, '..', '..', '..');

export interface PeerOptions {
  threads: number;
  warmup?: number;
  runs?: number;
  cacheDir?: string;
  /** Tiles per side of the raster (default 4). */
  grid?: number;
  onLog?: (message: string) => void;
}

interface PeerProcess {
  ask(cmd: string): Promise<any>;
  versions: Record<string, string>;
  close(): void;
}

export function peerPython(): string {
  const p = process.env.FASTSAM_GEO_PEER_PYTHON ?? path.join(REPO, '.venv-peer', 'bin', 'python');
  if (!existsSync(p)) throw new EngineError('NOT_FOUND', `the peer's Python (${p}) is missing: run bash scripts/setup-peer-python.sh (or set FASTSAM_GEO_PEER_PYTHON)`);
  return p;
}

async function startPeer(args: string[]): Promise<PeerProcess> {
  const child = spawn(peerPython(), [PEER_PY, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
  const lines = createInterface({ input: child.stdout! });
  const queue: ((line: string) => void)[] = [];
  const ended = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new EngineError('INTERNAL', `peer.py exited (code ${code})`))));
  ended.catch(() => {});
  lines.on('line', (l) => queue.shift()?.(l));
  const next = (): Promise<any> => Promise.race([new Promise<string>((r) => queue.push(r)), ended]).then((l) => JSON.parse(l));
  const ready = await next();
  return {
    versions: ready.versions,
    ask(cmd) {
      const p = next();
      child.stdin!.write(`${cmd}\n`);
      return p;
    },
    close() {
      child.stdin!.end('quit\n');
    },
  };
}

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const i = w * h;
  return i / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i);
}

export async function benchPeer(arch: FastSamArch, imgsz: number, options: PeerOptions): Promise<Figure[]> {
  const n = options.grid ?? 4;
  const m = await archModel(arch, imgsz, { cacheDir: options.cacheDir, intraOpThreads: options.threads, onLog: options.onLog });
  const raster = gridRaster(benchCacheDir(options.cacheDir), imgsz, n);
  const label = `FastSAM-${arch} eq. @${imgsz}, ${n}×${n} tiles`;
  const k = `${arch}.${imgsz}`;
  const sec = 'Against the Python stack (peer, same model, raster, thresholds and threads)';
  const footprints = footprintMapFile(benchCacheDir(options.cacheDir), imgsz / 4, imgsz / 4);
  const peer = await startPeer(['--model', m.file, '--raster', raster, '--imgsz', String(imgsz), '--threads', String(options.threads), '--overlap', '128', '--conf', '0.4', '--iou', '0.9', '--footprints', footprints, '--no-spinning']);
  const plain = await loadSegModel(m.file, { intraOpThreads: options.threads });
  const model = withFootprintMasks(plain);
  const bareModel = await loadSegModel(m.file, { intraOpThreads: options.threads, worker: false });
  // The same cores as two sessions of half the threads each, two tiles at once (model/session-pool).
  const halves = options.threads >= 2 ? 2 : 1;
  const plainPooled = halves > 1 ? await loadSegModel(m.file, { intraOpThreads: Math.floor(options.threads / 2), sessions: 2 }) : null;
  const pooled = plainPooled ? withFootprintMasks(plainPooled) : null;
  try {
    // Same detections on the first tile.
    const r = await openRaster(raster);
    const win = await r.readWindow([0, 0, imgsz, imgsz]);
    await r.close();
    const rgb = new Uint8Array(imgsz * imgsz * 3);
    for (let i = 0; i < imgsz * imgsz; i++) for (let b = 0; b < 3; b++) rgb[3 * i + b] = win.data[b][i];
    const image: RawImage = { data: rgb, width: imgsz, height: imgsz, channels: 3 };
    const ours = await segmentImage(model, image, { conf: 0.4, iou: 0.9 });
    const theirs = await peer.ask('tile0');
    const used = new Set<number>();
    let matched = 0;
    let worstScore = 0;
    for (const d of ours.detections) {
      let best = -1;
      let bi = -1;
      theirs.boxes.forEach((b: number[], j: number) => {
        if (used.has(j)) return;
        const v = iou(d.box, b);
        if (v > best) { best = v; bi = j; }
      });
      if (best >= 0.99) {
        used.add(bi);
        matched++;
        worstScore = Math.max(worstScore, Math.abs(d.score - theirs.scores[bi]));
      }
    }
    options.onLog?.(`${label}: ours vs Python stack, ${options.warmup ?? 1} warm-up + ${options.runs ?? 3} interleaved runs (peer: ${Object.entries(peer.versions).map(([a, b]) => `${a} ${b}`).join(', ')})`);
    let tiles = 0;
    const polygons = [0, 0, 0];
    const pyModelShare: number[] = [];
    const loopMax: number[] = [];
    const t = (await sideBySide<string>({
      bare: bareRun(bareModel, benchImage(imgsz), imgsz),
      ours: async () => {
        const t0 = performance.now();
        const res = await extract(raster, { model, tileSize: imgsz, overlap: 128, conf: 0.4, iou: 0.9 });
        JSON.stringify(res.collection); // the export, as the peer's json.dumps
        const ms = performance.now() - t0;
        tiles = res.tiles;
        polygons[0] = res.buildings;
        return ms;
      },
      // The model alone, one session (ours, in its worker thread), one run per tile in sequence
      // (floor.ts modelOnlyRun: nothing but session.run).
      floor1: async () => {
        const run = modelOnlyRun(plain, benchImage(imgsz), imgsz);
        const t0 = performance.now();
        for (let i = 0; i < n * n; i++) await run();
        return performance.now() - t0;
      },
      ...(pooled ? {
        ours2: async () => {
          // The longest the event loop waited during the pass (a request to a server running this job
          // waits as long): 1 ms resolution.
          const loop = monitorEventLoopDelay({ resolution: 1 });
          loop.enable();
          const t0 = performance.now();
          const res = await extract(raster, { model: pooled, tileSize: imgsz, overlap: 128, conf: 0.4, iou: 0.9 });
          loop.disable();
          loopMax.push(loop.max / 1e6);
          JSON.stringify(res.collection);
          polygons[2] = res.buildings;
          return performance.now() - t0;
        },
        // The model alone at the pool's throughput: as many runs as tiles, two in flight (the floor of
        // any pipeline on these cores with this model). Each of the two takes the next run when its last
        // one ends, as the pipeline's tiles go to whichever session frees: with a fixed half each, the
        // two vCPUs here, at times of unequal speed, left one idle for seconds at the end.
        floor2: async () => {
          const runs = [modelOnlyRun(plainPooled!, benchImage(imgsz), imgsz), modelOnlyRun(plainPooled!, benchImage(imgsz), imgsz)];
          let left = n * n;
          const t0 = performance.now();
          const chain = async (run: () => Promise<void>): Promise<void> => { while (left-- > 0) await run(); };
          await Promise.all(runs.map(chain));
          return performance.now() - t0;
        },
      } : {}),
      peer: async () => {
        const res = await peer.ask('run');
        polygons[1] = res.polygons;
        pyModelShare.push(res.stages.inference / res.total_ms);
        return res.total_ms as number;
      },
    } as Record<string, () => Promise<number>>, { warmup: options.warmup ?? 1, runs: options.runs ?? 3, settle: fullCollection })) as Record<string, Timing | undefined> & Record<'bare' | 'ours' | 'peer', Timing>;
    const per = (v: number): number => v / tiles;
    // The target is on the layout extract picks itself for this many tiles (model/session-pool autoSessions).
    const dflt = autoSessions(tiles, options.threads) > 1 && t.ours2 ? 2 : 1;
    const mark = (layout: number): string => (layout === dflt ? ' (the layout extract picks for these tiles)' : '');
    return [
      { key: `peer.detections.${k}`, section: sec, label: `${label}: first tile, our detections found by the Python stack`, value: (100 * matched) / Math.max(1, ours.detections.length), unit: '%', note: `${matched} of ${ours.detections.length} (Python: ${theirs.boxes.length}) at box IoU ≥ 0.99; worst score difference ${worstScore.toExponential(1)}` },
      { key: `peer.bare.${k}`, section: sec, label: `${label}: bare session.run per tile`, value: t.bare.median, unit: 'ms', note: `${t.bare.runs} runs` },
      { key: `peer.ours.${k}`, section: sec, label: `${label}: fastsam-geo per tile, 1 session × ${options.threads} threads`, value: per(t.ours.median), unit: 'ms', note: `${tiles} tiles, ${polygons[0]} buildings (seam-merged, regularized); min ${per(t.ours.min).toFixed(0)}` },
      { key: `peer.python.${k}`, section: sec, label: `${label}: Python stack per tile`, value: per(t.peer.median), unit: 'ms', note: `${polygons[1]} polygons (no seam merge, no regularization); min ${per(t.peer.min).toFixed(0)}` },
      { key: `peer.ratio.${k}`, section: sec, label: `${label}: fastsam-geo (1 session) / Python stack${mark(1)}`, value: t.ours.median / t.peer.median, unit: 'ratio', ...(dflt === 1 ? { target: { max: 0.8 } } : {}) },
      ...(t.ours2 && t.floor2 ? [
        { key: `peer.ours2.${k}`, section: sec, label: `${label}: fastsam-geo per tile, 2 sessions × ${Math.floor(options.threads / 2)} thread`, value: per(t.ours2.median), unit: 'ms', note: `${polygons[2]} buildings; min ${per(t.ours2.min).toFixed(0)}` } as Figure,
        { key: `peer.ratio2.${k}`, section: sec, label: `${label}: fastsam-geo (2 sessions) / Python stack${mark(2)}`, value: t.ours2.median / t.peer.median, unit: 'ratio', ...(dflt === 2 ? { target: { max: 0.8 } } : {}) } as Figure,
        { key: `peer.loopMax.${k}`, section: sec, label: `${label}: fastsam-geo, 2 sessions: longest event-loop stall in a pass`, value: median(loopMax.slice(options.warmup ?? 1)), unit: 'ms', note: `median over runs of each run's longest wait (max ${Math.max(...loopMax.slice(options.warmup ?? 1)).toFixed(0)} ms): what a request to a server running this job waits at worst` } as Figure,
        { key: `peer.floor2.${k}`, section: sec, label: `${label}: model alone per tile, 2 sessions, 2 runs in flight`, value: per(t.floor2.median), unit: 'ms', note: `${tiles} runs; min ${per(t.floor2.min).toFixed(0)}` } as Figure,
        { key: `peer.floorGain.${k}`, section: sec, label: `${label}: model alone, 2 sessions / 1 session (time per tile)`, value: t.floor2.median / t.floor1!.median, unit: 'ratio', note: 'the best any session layout gains on these cores' } as Figure,
        { key: `peer.pythonModelShare.${k}`, section: sec, label: `${label}: Python stack, share of its time in session.run`, value: median(pyModelShare.slice(options.warmup ?? 1)), unit: 'ratio', note: 'its own stage times, run by run' } as Figure,
        // Python's per tile ≥ its session.run time; ours ≥ the best model-only time per tile; both from
        // ratios measured inside one pass (robust to load): ours / Python ≥ gain × share.
        { key: `peer.floorBound.${k}`, section: sec, label: `${label}: lower bound of fastsam-geo / Python stack`, value: Math.min(1, t.floor2.median / t.floor1!.median) * median(pyModelShare.slice(options.warmup ?? 1)), unit: 'ratio', note: 'best model-only layout × Python\'s model share: no pipeline with this model on these cores goes below it' } as Figure,
      ] : []),
      { key: `peer.floor1.${k}`, section: sec, label: `${label}: model alone per tile, 1 session × ${options.threads} threads`, value: per(t.floor1!.median), unit: 'ms', note: `${tiles} runs in sequence; min ${per(t.floor1!.min).toFixed(0)}` },
      { key: `peer.pythonFloor.${k}`, section: sec, label: `${label}: Python stack per tile / model alone (1 session)`, value: t.peer.median / t.floor1!.median, unit: 'ratio' },
      { key: `peer.e2eBare.${k}`, section: sec, label: `${label}: fastsam-geo per tile / bare`, value: per(t.ours.median) / t.bare.median, unit: 'ratio' },
      { key: `peer.pythonBare.${k}`, section: sec, label: `${label}: Python stack per tile / bare`, value: per(t.peer.median) / t.bare.median, unit: 'ratio' },
    ];
  } finally {
    peer.close();
    await model.dispose();
    await bareModel.dispose();
    await pooled?.dispose();
  }
}
