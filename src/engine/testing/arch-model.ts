/**
 * Architecture-equivalent FastSAM models: ONNX graphs with the exact YOLOv8-seg architecture that
 * FastSAM-s (YOLOv8s-seg) and FastSAM-x (YOLOv8x-seg) use, 1 class, Ultralytics' export layout
 * (output0 [1, 4+nc+32, N], output1 [1, 32, H/4, W/4]), with seeded random weights. Speed depends on
 * the architecture, not on the weights, so these give honest timings where the real weights cannot be
 * downloaded. They are BENCHMARK ASSETS, never product models: their detections are meaningless.
 *
 * Follows ultralytics/cfg/models/v8/yolov8-seg.yaml and ultralytics/nn/modules/{conv,block,head}.py as
 * exported by Ultralytics' ONNX exporter after fuse(): Conv = Conv2d with the BatchNorm folded into its
 * bias + SiLU written as x·Sigmoid(x) (how torch exports nn.SiLU); C2f (Split → Bottlenecks → Concat),
 * shortcuts in the backbone only; SPPF (3 × MaxPool 5); nearest 2× Resize; Segment = Detect (DFL box
 * decode: reg_max 16, softmax over 16 bins, a fixed 1×1 conv with weights 0..15, dist2bbox, × stride;
 * class sigmoid) + Proto (Conv 3, ConvTranspose 2×2/2, Conv 3, Conv 1 → 32) + mask coefficients (cv4).
 *
 * Checked by arch-model.test.ts (parameter counts, shapes, a forward pass) and by
 * scripts/test-stages/arch.sh (conv-by-conv against the real Ultralytics YOLOv8n-seg export in
 * ../shared/data/models).
 */
import { GraphBuilder } from '../onnx/builder.js';

/** Ultralytics compound scaling constants [depth, width, max_channels] (yolov8-seg.yaml `scales`). */
export interface ArchScale {
  depth: number;
  width: number;
  maxChannels: number;
}

export const YOLOV8_SCALES = {
  n: { depth: 0.33, width: 0.25, maxChannels: 1024 },
  s: { depth: 0.33, width: 0.5, maxChannels: 1024 },
  m: { depth: 0.67, width: 0.75, maxChannels: 768 },
  l: { depth: 1.0, width: 1.0, maxChannels: 512 },
  x: { depth: 1.0, width: 1.25, maxChannels: 512 },
} as const satisfies Record<string, ArchScale>;

/** FastSAM-s is YOLOv8s-seg, FastSAM-x is YOLOv8x-seg, both with 1 class. */
export const FASTSAM_ARCH = { s: YOLOV8_SCALES.s, x: YOLOV8_SCALES.x } as const;
export type FastSamArch = keyof typeof FASTSAM_ARCH;

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

export interface ArchModel {
  bytes: Uint8Array;
  parameterCount: number;
  imgsz: number;
  /** Channel widths of the P3, P4, P5 feature maps fed to the head. */
  headChannels: [number, number, number];
  /** Expected output dims. */
  outputs: { output0: [number, number, number]; output1: [number, number, number, number] };
  /** Conv / ConvTranspose weight shapes in graph order (for structural comparison with real exports). */
  convs: { op: 'Conv' | 'ConvTranspose'; dims: number[]; stride: number }[];
}

const REG_MAX = 16;
const NM = 32;
const NPR = 256;
const STRIDES = [8, 16, 32];

/** Ultralytics make_divisible: ceil(x / d) * d. */
function makeDivisible(x: number, d = 8): number {
  return Math.ceil(x / d) * d;
}

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

class ArchWriter {
  readonly g: GraphBuilder;
  readonly convs: ArchModel['convs'] = [];
  private readonly rand: () => number;
  readonly classBiases: Float32Array[] = [];

  constructor(name: string, seed: number) {
    this.g = new GraphBuilder(name);
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

  /** nn.Conv2d with bias (a fused Conv+BN, or the head's plain 1×1 convs). */
  conv2d(x: string, c1: number, c2: number, k: number, s = 1, gain = 2.5, biasAmp = 0.1): { y: string; bias: Float32Array } {
    const w = this.g.init('w', this.weights(c2 * c1 * k * k, c1 * k * k, gain), [c2, c1, k, k]);
    const biasData = this.biases(c2, biasAmp);
    const b = this.g.init('b', biasData, [c2]);
    const p = Math.floor(k / 2);
    this.convs.push({ op: 'Conv', dims: [c2, c1, k, k], stride: s });
    const y = this.g.op('Conv', [x, w, b], {
      dilations: [1, 1], group: 1, kernel_shape: [k, k], pads: [p, p, p, p], strides: [s, s],
    });
    return { y, bias: biasData };
  }

  /** Ultralytics Conv after fuse(): Conv2d(+folded BN) → SiLU as x·sigmoid(x). */
  conv(x: string, c1: number, c2: number, k = 1, s = 1): string {
    const { y } = this.conv2d(x, c1, c2, k, s);
    return this.g.op('Mul', [y, this.g.op('Sigmoid', [y])]);
  }

  /** Bottleneck(c, c, shortcut, k=(3,3), e=1.0). */
  bottleneck(x: string, c: number, shortcut: boolean): string {
    const y = this.conv(this.conv(x, c, c, 3), c, c, 3);
    return shortcut ? this.g.op('Add', [x, y]) : y;
  }

  /** C2f(c1, c2, n, shortcut, e=0.5). */
  c2f(x: string, c1: number, c2: number, n: number, shortcut: boolean): string {
    const c = Math.trunc(c2 * 0.5);
    const y = this.conv(x, c1, 2 * c, 1);
    const parts = this.g.node('Split', [y, this.g.constI64([c, c])], { axis: 1 }, 2);
    const ys = [...parts];
    for (let i = 0; i < n; i++) ys.push(this.bottleneck(ys[ys.length - 1], c, shortcut));
    return this.conv(this.g.op('Concat', ys, { axis: 1 }), (2 + n) * c, c2, 1);
  }

  /** SPPF(c1, c2, k=5). */
  sppf(x: string, c1: number, c2: number): string {
    const c = Math.trunc(c1 / 2);
    const y0 = this.conv(x, c1, c, 1);
    const pool = (t: string) => this.g.op('MaxPool', [t], {
      ceil_mode: 0, dilations: [1, 1], kernel_shape: [5, 5], pads: [2, 2, 2, 2], strides: [1, 1],
    });
    const y1 = pool(y0);
    const y2 = pool(y1);
    const y3 = pool(y2);
    return this.conv(this.g.op('Concat', [y0, y1, y2, y3], { axis: 1 }), 4 * c, c2, 1);
  }

  /** nn.Upsample(scale_factor=2, mode='nearest') as torch exports it. */
  upsample(x: string): string {
    return this.g.op('Resize', [x, '', this.g.constF([1, 1, 2, 2])], {
      coordinate_transformation_mode: 'asymmetric', cubic_coeff_a: { f: -0.75 }, mode: 'nearest', nearest_mode: 'floor',
    });
  }

  /** Proto(c1, c_, c2=32). */
  proto(x: string, c1: number, c: number, c2: number, buildingLike = false): string {
    const y = this.conv(x, c1, c, 3);
    const w = this.g.init('w', this.weights(c * c * 4, c, 1), [c, c, 2, 2]);
    const b = this.g.init('b', this.biases(c, 0.1), [c]);
    this.convs.push({ op: 'ConvTranspose', dims: [c, c, 2, 2], stride: 2 });
    const up = this.g.op('ConvTranspose', [y, w, b], {
      dilations: [1, 1], group: 1, kernel_shape: [2, 2], pads: [0, 0, 0, 0], strides: [2, 2],
    });
    const y2 = this.conv(up, c, c, 3);
    if (!buildingLike) return this.conv(y2, c, c2, 1);
    // Same Conv + SiLU, weights scaled down and a bias of ±3: prototypes ≈ constant per channel.
    const { y: y3, bias } = this.conv2d(y2, c, c2, 1, 1, 1e-4, 0.1);
    for (let i = 0; i < bias.length; i++) bias[i] = i % 2 ? -3 : 3;
    return this.g.op('Mul', [y3, this.g.op('Sigmoid', [y3])]);
  }

  reshape(x: string, dims: number[]): string {
    return this.g.op('Reshape', [x, this.g.constI64(dims)]);
  }
}

/** Builds the graph (see the file comment). */
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
  const W = new ArchWriter(name, options.seed ?? 1);
  const g = W.g;
  const ch = (c: number) => makeDivisible(Math.min(c, scale.maxChannels) * scale.width, 8);
  const rep = (n: number) => (n > 1 ? Math.max(Math.round(n * scale.depth), 1) : n);

  const images = g.input('images', [1, 3, imgsz, imgsz]);
  // Backbone.
  const c0 = ch(64), c1 = ch(128), c3 = ch(256), c5 = ch(512), c7 = ch(1024);
  let x = W.conv(images, 3, c0, 3, 2); // 0 P1/2
  x = W.conv(x, c0, c1, 3, 2); // 1 P2/4
  x = W.c2f(x, c1, c1, rep(3), true); // 2
  x = W.conv(x, c1, c3, 3, 2); // 3 P3/8
  const p3 = W.c2f(x, c3, c3, rep(6), true); // 4
  x = W.conv(p3, c3, c5, 3, 2); // 5 P4/16
  const p4 = W.c2f(x, c5, c5, rep(6), true); // 6
  x = W.conv(p4, c5, c7, 3, 2); // 7 P5/32
  x = W.c2f(x, c7, c7, rep(3), true); // 8
  const p5 = W.sppf(x, c7, c7); // 9
  // Head (FPN + PAN), no shortcuts.
  x = g.op('Concat', [W.upsample(p5), p4], { axis: 1 }); // 10, 11
  const h12 = W.c2f(x, c7 + c5, c5, rep(3), false); // 12
  x = g.op('Concat', [W.upsample(h12), p3], { axis: 1 }); // 13, 14
  const h15 = W.c2f(x, c5 + c3, c3, rep(3), false); // 15 (P3/8)
  x = g.op('Concat', [W.conv(h15, c3, c3, 3, 2), h12], { axis: 1 }); // 16, 17
  const h18 = W.c2f(x, c3 + c5, c5, rep(3), false); // 18 (P4/16)
  x = g.op('Concat', [W.conv(h18, c5, c5, 3, 2), p5], { axis: 1 }); // 19, 20
  const h21 = W.c2f(x, c5 + c7, c7, rep(3), false); // 21 (P5/32)

  // Segment(nc, nm=32, npr=256 scaled, ch=[P3, P4, P5]).
  const feats = [h15, h18, h21];
  const fch = [c3, c5, c7];
  const npr = makeDivisible(Math.min(NPR, scale.maxChannels) * scale.width, 8);
  const protos = W.proto(h15, fch[0], npr, NM, options.buildingLike === true);
  const c4 = Math.max(Math.trunc(fch[0] / 4), NM);
  const mcs = feats.map((f, i) => {
    const y = W.conv(W.conv(f, fch[i], c4, 3), c4, c4, 3);
    return W.reshape(W.conv2d(y, c4, NM, 1, 1, 1, 0.1).y, [1, NM, -1]);
  });
  const mc = g.op('Concat', mcs, { axis: 2 });

  // Detect: c2 = max(16, ch[0]//4, reg_max*4), c3 = max(ch[0], min(nc, 100)).
  const dc2 = Math.max(16, Math.trunc(fch[0] / 4), REG_MAX * 4);
  const dc3 = Math.max(fch[0], Math.min(nc, 100));
  const no = nc + REG_MAX * 4;
  const levels = feats.map((f, i) => {
    const boxConv = W.conv2d(W.conv(W.conv(f, fch[i], dc2, 3), dc2, dc2, 3), dc2, 4 * REG_MAX, 1, 1, 1, 0.1);
    if (options.buildingLike) for (let j = 0; j < boxConv.bias.length; j++) boxConv.bias[j] = -2 * Math.abs((j % REG_MAX) - 2.5);
    const box = boxConv.y;
    // Small class-logit weights; the bias (calibrated) sets how many anchors pass the threshold.
    const cls = W.conv2d(W.conv(W.conv(f, fch[i], dc3, 3), dc3, dc3, 3), dc3, nc, 1, 1, 0.05, 0);
    cls.bias.fill(options.classBias ?? 0);
    W.classBiases.push(cls.bias);
    return W.reshape(g.op('Concat', [box, cls.y], { axis: 1 }), [1, no, -1]);
  });
  const xcat = g.op('Concat', levels, { axis: 2 });
  const sizes = STRIDES.map((s) => imgsz / s);
  const nAnchors = sizes.reduce((a, s) => a + s * s, 0);
  const anchors = new Float32Array(2 * nAnchors);
  const strides = new Float32Array(nAnchors);
  let k = 0;
  sizes.forEach((n, li) => {
    for (let yy = 0; yy < n; yy++) {
      for (let xx = 0; xx < n; xx++, k++) {
        anchors[k] = xx + 0.5;
        anchors[nAnchors + k] = yy + 0.5;
        strides[k] = STRIDES[li];
      }
    }
  });
  const [boxRaw, clsRaw] = g.node('Split', [xcat, g.constI64([4 * REG_MAX, nc])], { axis: 1 }, 2);
  // DFL: view(b, 4, 16, a).transpose(2, 1).softmax(1) → 1×1 conv with weights arange(16) → view(b, 4, a).
  const sm = g.op('Softmax', [g.op('Transpose', [W.reshape(boxRaw, [1, 4, REG_MAX, nAnchors])], { perm: [0, 2, 1, 3] })], { axis: 1 });
  const dflW = g.init('dfl', Float32Array.from({ length: REG_MAX }, (_, i) => i), [1, REG_MAX, 1, 1]);
  W.convs.push({ op: 'Conv', dims: [1, REG_MAX, 1, 1], stride: 1 });
  const dist = W.reshape(g.op('Conv', [sm, dflW], { dilations: [1, 1], group: 1, kernel_shape: [1, 1], pads: [0, 0, 0, 0], strides: [1, 1] }), [1, 4, nAnchors]);
  // dist2bbox(xywh=True) × strides.
  const [lt, rb] = g.node('Split', [dist, g.constI64([2, 2])], { axis: 1 }, 2);
  const anc = g.constF(anchors, [1, 2, nAnchors]);
  const x1y1 = g.op('Sub', [anc, lt]);
  const x2y2 = g.op('Add', [anc, rb]);
  const cxy = g.op('Div', [g.op('Add', [x1y1, x2y2]), g.constF([2], [])]);
  const wh = g.op('Sub', [x2y2, x1y1]);
  const dbox = g.op('Mul', [g.op('Concat', [cxy, wh], { axis: 1 }), g.constF(strides, [1, nAnchors])]);
  const det = g.op('Concat', [dbox, g.op('Sigmoid', [clsRaw])], { axis: 1 });
  const out0 = g.rename(g.op('Concat', [det, mc], { axis: 1 }), 'output0');
  const out1 = g.rename(protos, 'output1');
  const d0: [number, number, number] = [1, 4 + nc + NM, nAnchors];
  const d1: [number, number, number, number] = [1, NM, imgsz / 4, imgsz / 4];
  g.output(out0, d0);
  g.output(out1, d1);

  const names = Object.fromEntries(Array.from({ length: nc }, (_, i) => [i, nc === 1 ? 'object' : `class${i}`]));
  const bytes = options.encode === false ? new Uint8Array(0) : g.toBytes({
    producer: 'fastsam-geo arch-model',
    metadata: {
      description: `${name}: YOLOv8-seg architecture with seeded random weights (benchmark asset, not FastSAM)`,
      task: 'segment',
      stride: '32',
      batch: '1',
      imgsz: `[${imgsz}, ${imgsz}]`,
      names: `{${Object.entries(names).map(([i, n]) => `${i}: '${n}'`).join(', ')}}`,
      arch_equivalent: 'true',
    },
  });
  return {
    bytes,
    parameterCount: g.parameterCount,
    imgsz,
    headChannels: [c3, c5, c7],
    outputs: { output0: d0, output1: d1 },
    convs: W.convs,
  };
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
