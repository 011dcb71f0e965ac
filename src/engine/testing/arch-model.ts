/**
 * Architecture-equivalent FastSAM models: the product's YOLOv8-seg graph (models/yolov8-seg-graph.ts:
 * the exact architecture FastSAM-s / FastSAM-x use, Ultralytics' export layout) with seeded random
 * weights instead of a checkpoint's. Speed depends on the architecture, not on the weights, so these
 * give honest timings where the real weights cannot be downloaded. They are BENCHMARK AND TEST ASSETS,
 * never product models: their detections are meaningless.
 *
 * Checked by arch-model.test.ts (parameter counts, shapes, a forward pass) and by
 * scripts/test-stages/arch.sh (conv-by-conv against the real Ultralytics YOLOv8n-seg export in
 * ../shared/data/models).
 */
import { buildYoloV8SegGraph, FASTSAM_ARCH, REG_MAX } from '../models/yolov8-seg-graph.js';
import type { ArchScale, ConvWeights, FastSamArch, SegGraph, WeightRole, WeightSource } from '../models/yolov8-seg-graph.js';

export { FASTSAM_ARCH, YOLOV8_SCALES } from '../models/yolov8-seg-graph.js';
export type { ArchScale, FastSamArch } from '../models/yolov8-seg-graph.js';

export interface ArchModelOptions {
  /** Square input size, a multiple of 32 (FastSAM: 1024; Ultralytics default 640). */
  imgsz?: number;
  /** Number of classes (FastSAM: 1). */
  numClasses?: number;
  /** Seed of the weights. */
  seed?: number;
  /** Added to the bias of the last class-score convs (what calibrateClassBias computes). */
  classBias?: number;
  /**
   * Building-like outputs for end-to-end benchmarks (same graph, same parameter count and cost; only
   * the values of two biases and one weight scale change): the DFL box bins favour distances of
   * ~2.5 strides (boxes of ~40–160 px instead of ~15 strides), and the last prototype conv is
   * dominated by its bias so that masks are solid within their box instead of pixel noise, which
   * would make tracing and vectorizing pathologically slow. Default false.
   */
  buildingLike?: boolean;
  /** Name recorded in the model's metadata. */
  name?: string;
  /** false: skip the protobuf encoding (bytes is empty); for counting parameters cheaply. Default true. */
  encode?: boolean;
}

export type ArchModel = Omit<SegGraph, 'metadata'>;

/** mulberry32: a small seeded PRNG (uniform in [0, 1)). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded random weights, drawn in graph order (the same stream as before the graph moved to models/). */
class RandomWeights implements WeightSource {
  private readonly rand: () => number;

  constructor(seed: number, private readonly options: ArchModelOptions) {
    this.rand = prng(seed);
  }

  /** Uniform weights with variance gain / fanIn (keeps activations O(1) through SiLU layers). */
  private weights(n: number, fanIn: number, gain: number): Float32Array {
    const a = Math.sqrt((3 * gain) / fanIn);
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = (2 * this.rand() - 1) * a;
    return w;
  }

  private biases(n: number, amplitude: number): Float32Array {
    const b = new Float32Array(n);
    for (let i = 0; i < n; i++) b[i] = (2 * this.rand() - 1) * amplitude;
    return b;
  }

  conv(_path: string, dims: [number, number, number, number], role: WeightRole): ConvWeights {
    const [c2, c1, k] = dims;
    const n = c2 * c1 * k * k;
    const o = this.options;
    if (role === 'upsample') return { weight: this.weights(n, c2, 1), bias: this.biases(c2, 0.1) };
    if (role === 'cls') {
      // Small class-logit weights; the bias (calibrated) sets how many anchors pass the threshold.
      const weight = this.weights(n, c1 * k * k, 0.05);
      const bias = this.biases(c2, 0);
      bias.fill(o.classBias ?? 0);
      return { weight, bias };
    }
    if (role === 'box' || role === 'mask-coef') {
      const weight = this.weights(n, c1 * k * k, 1);
      const bias = this.biases(c2, 0.1);
      if (role === 'box' && o.buildingLike) for (let j = 0; j < bias.length; j++) bias[j] = -2 * Math.abs((j % REG_MAX) - 2.5);
      return { weight, bias };
    }
    if (role === 'proto-out' && o.buildingLike) {
      // Same Conv + SiLU, weights scaled down and a bias of ±3: prototypes ≈ constant per channel.
      const weight = this.weights(n, c1 * k * k, 1e-4);
      const bias = this.biases(c2, 0.1);
      for (let i = 0; i < bias.length; i++) bias[i] = i % 2 ? -3 : 3;
      return { weight, bias };
    }
    return { weight: this.weights(n, c1 * k * k, 2.5), bias: this.biases(c2, 0.1) };
  }
}

/** Builds the graph with seeded random weights (see the file comment). */
export function buildArchModel(arch: FastSamArch | ArchScale, options: ArchModelOptions = {}): ArchModel {
  const scale: ArchScale = typeof arch === 'string' ? FASTSAM_ARCH[arch] : arch;
  if (!scale || !(scale.depth > 0) || !(scale.width > 0) || !(scale.maxChannels > 0)) {
    throw new Error(`buildArchModel: got arch ${JSON.stringify(arch)}, expected 's', 'x' or {depth, width, maxChannels}`);
  }
  const imgsz = options.imgsz ?? 1024;
  if (!Number.isInteger(imgsz) || imgsz < 64 || imgsz % 32 !== 0) {
    throw new Error(`buildArchModel: got imgsz ${imgsz}, expected a multiple of 32 ≥ 64`);
  }
  const nc = options.numClasses ?? 1;
  if (!Number.isInteger(nc) || nc < 1) throw new Error(`buildArchModel: got numClasses ${nc}, expected an integer ≥ 1`);
  const name = options.name ?? (typeof arch === 'string' ? `fastsam-${arch}-arch-equivalent` : 'yolov8-seg-arch-equivalent');
  const { metadata: _m, ...graph } = buildYoloV8SegGraph(scale, new RandomWeights(options.seed ?? 1, options), {
    imgsz,
    numClasses: nc,
    name,
    encode: options.encode,
    producer: 'fastsam-geo arch-model',
    metadata: {
      description: `${name}: YOLOv8-seg architecture with seeded random weights (benchmark asset, not FastSAM)`,
      arch_equivalent: 'true',
    },
  });
  return graph;
}

/**
 * The shift of the class logits that leaves `target` anchors above `conf` on a calibration run:
 * random weights put every score near sigmoid(0) = 0.5, so without it either none or all anchors are
 * candidates. `scores` are the sigmoid class scores (row 4 of output0) of a run with classBias 0.
 */
export function calibrateClassBias(scores: Float32Array, options: { conf?: number; target?: number } = {}): number {
  const conf = options.conf ?? 0.4;
  const target = options.target ?? 400;
  if (scores.length === 0) throw new Error('calibrateClassBias: got no scores, expected the class row of output0');
  if (!(target >= 1 && target <= scores.length)) {
    throw new Error(`calibrateClassBias: got target ${target}, expected 1..${scores.length}`);
  }
  const clamp = (p: number) => Math.min(1 - 1e-7, Math.max(1e-7, p));
  const logits = Float64Array.from(scores, (p) => Math.log(clamp(p) / (1 - clamp(p)))).sort().reverse();
  // Place the threshold halfway between the target-th and (target+1)-th logits.
  const a = logits[target - 1];
  const b = target < logits.length ? logits[target] : a - 1;
  const threshold = Math.log(conf / (1 - conf));
  return threshold - (a + b) / 2;
}

/** A deterministic aerial-like test image (RGB, interleaved): textured ground with bright/dark blocks. */
export function calibrationImage(size: number, seed = 7): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const rand = prng(seed);
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const v = 90 + rand() * 40;
    data[3 * i] = v * 0.9;
    data[3 * i + 1] = v;
    data[3 * i + 2] = v * 0.8;
  }
  const blocks = Math.round((size * size) / 4000);
  for (let b = 0; b < blocks; b++) {
    const w = 8 + Math.floor(rand() * 40);
    const h = 8 + Math.floor(rand() * 40);
    const x0 = Math.floor(rand() * (size - w));
    const y0 = Math.floor(rand() * (size - h));
    const c = [rand() * 255, rand() * 255, rand() * 255];
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const i = 3 * (y * size + x);
        data[i] = c[0];
        data[i + 1] = c[1];
        data[i + 2] = c[2];
      }
    }
  }
  return { data, width: size, height: size, channels: 3 };
}
