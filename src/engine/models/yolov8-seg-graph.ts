/**
 * The YOLOv8-seg graph (FastSAM-s = YOLOv8s-seg, FastSAM-x = YOLOv8x-seg, 1 class) as ONNX, written
 * with the weights a WeightSource gives: the real ones from an Ultralytics checkpoint
 * (models/checkpoint-weights.ts), or seeded random ones for benchmarks (testing/arch-model.ts).
 * Output layout as Ultralytics' ONNX export: images [1,3,S,S] → output0 [1, 4+nc+32, N] (xywh boxes
 * in input pixels, class scores after sigmoid, 32 mask coefficients), output1 [1, 32, S/4, S/4]
 * (prototypes). Fixed input size S (the anchors are constants).
 *
 * Follows ultralytics/cfg/models/v8/yolov8-seg.yaml and ultralytics/nn/modules/{conv,block,head}.py as
 * exported by Ultralytics' ONNX exporter after fuse(): Conv = Conv2d with the BatchNorm folded into its
 * bias + SiLU written as x·Sigmoid(x) (how torch exports nn.SiLU); C2f (Split → Bottlenecks → Concat),
 * shortcuts in the backbone only; SPPF (3 × MaxPool 5); nearest 2× Resize; Segment = Detect (DFL box
 * decode: reg_max 16, softmax over 16 bins, a fixed 1×1 conv with weights 0..15, dist2bbox, × stride;
 * class sigmoid) + Proto (Conv 3, ConvTranspose 2×2/2, Conv 3, Conv 1 → 32) + mask coefficients (cv4).
 * Each weight is asked for by its module path in the Ultralytics module tree (`model.2.m.0.cv1`,
 * `model.22.proto.upsample`, `model.22.cv3.1.2`, ...), in graph order.
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

/**
 * What a weight is for: 'conv' an Ultralytics Conv (Conv2d + BatchNorm, fused here); the head's plain
 * nn.Conv2d outputs 'box' (cv2.i.2), 'cls' (cv3.i.2), 'mask-coef' (cv4.i.2); 'proto-out' the last Proto
 * Conv (proto.cv3); 'upsample' Proto's ConvTranspose2d.
 */
export type WeightRole = 'conv' | 'box' | 'cls' | 'mask-coef' | 'proto-out' | 'upsample';

/** Fused weights of one convolution: weight in torch layout ([out, in, k, k]; ConvTranspose [in, out, k, k]). */
export interface ConvWeights {
  weight: Float32Array;
  bias: Float32Array;
}

export interface WeightSource {
  /** Weights of the module at `path` with weight dims `dims`; throws when the source has other dims. */
  conv(path: string, dims: [number, number, number, number], role: WeightRole): ConvWeights;
}

export interface SegGraphOptions {
  /** Square input size, a multiple of 32 (FastSAM: 1024; Ultralytics default 640). */
  imgsz?: number;
  /** Number of classes (FastSAM: 1). */
  numClasses?: number;
  /** Class names for the metadata (default `{0: 'object'}` / `classN`). */
  names?: Record<number, string>;
  /** Graph name. */
  name?: string;
  /** Extra metadata_props (Ultralytics' exporter writes description, author, version, license, ...). */
  metadata?: Record<string, string>;
  producer?: string;
  /** false: skip the protobuf encoding (bytes is empty); for counting parameters cheaply. Default true. */
  encode?: boolean;
  /** Index of the Segment head in the module list (22 in yolov8-seg.yaml). */
  headIndex?: number;
}

export interface SegGraph {
  bytes: Uint8Array;
  parameterCount: number;
  imgsz: number;
  /** Channel widths of the P3, P4, P5 feature maps fed to the head. */
  headChannels: [number, number, number];
  /** Expected output dims. */
  outputs: { output0: [number, number, number]; output1: [number, number, number, number] };
  /** Conv / ConvTranspose weight shapes in graph order (for structural comparison with real exports). */
  convs: { op: 'Conv' | 'ConvTranspose'; dims: number[]; stride: number }[];
  /** The metadata_props written. */
  metadata: Record<string, string>;
}

export const REG_MAX = 16;
const NM = 32;
const NPR = 256;
export const SEG_STRIDES = [8, 16, 32];

/** Ultralytics make_divisible: ceil(x / d) * d. */
export function makeDivisible(x: number, d = 8): number {
  return Math.ceil(x / d) * d;
}

/** Channel widths and repeats of a scale, as Ultralytics' parse_model computes them. */
export function scaleDims(scale: ArchScale): { ch: (c: number) => number; rep: (n: number) => number } {
  return {
    ch: (c: number) => makeDivisible(Math.min(c, scale.maxChannels) * scale.width, 8),
    rep: (n: number) => (n > 1 ? Math.max(Math.round(n * scale.depth), 1) : n),
  };
}

class SegWriter {
  readonly g: GraphBuilder;
  readonly convs: SegGraph['convs'] = [];

  constructor(name: string, private readonly src: WeightSource) {
    this.g = new GraphBuilder(name);
  }

  /** A convolution with bias (a fused Conv+BN, or the head's plain 1×1 convs), no activation. */
  conv2d(x: string, path: string, c1: number, c2: number, k: number, s: number, role: WeightRole): string {
    const dims: [number, number, number, number] = [c2, c1, k, k];
    const { weight, bias } = this.src.conv(path, dims, role);
    const w = this.g.init('w', weight, dims);
    const b = this.g.init('b', bias, [c2]);
    const p = Math.floor(k / 2);
    this.convs.push({ op: 'Conv', dims, stride: s });
    return this.g.op('Conv', [x, w, b], {
      dilations: [1, 1], group: 1, kernel_shape: [k, k], pads: [p, p, p, p], strides: [s, s],
    });
  }

  /** Ultralytics Conv after fuse(): Conv2d(+folded BN) → SiLU as x·sigmoid(x). */
  conv(x: string, path: string, c1: number, c2: number, k = 1, s = 1, role: WeightRole = 'conv'): string {
    const y = this.conv2d(x, path, c1, c2, k, s, role);
    return this.g.op('Mul', [y, this.g.op('Sigmoid', [y])]);
  }

  /** Bottleneck(c, c, shortcut, k=(3,3), e=1.0). */
  bottleneck(x: string, path: string, c: number, shortcut: boolean): string {
    const y = this.conv(this.conv(x, `${path}.cv1`, c, c, 3), `${path}.cv2`, c, c, 3);
    return shortcut ? this.g.op('Add', [x, y]) : y;
  }

  /** C2f(c1, c2, n, shortcut, e=0.5). */
  c2f(x: string, path: string, c1: number, c2: number, n: number, shortcut: boolean): string {
    const c = Math.trunc(c2 * 0.5);
    const y = this.conv(x, `${path}.cv1`, c1, 2 * c, 1);
    const parts = this.g.node('Split', [y, this.g.constI64([c, c])], { axis: 1 }, 2);
    const ys = [...parts];
    for (let i = 0; i < n; i++) ys.push(this.bottleneck(ys[ys.length - 1], `${path}.m.${i}`, c, shortcut));
    return this.conv(this.g.op('Concat', ys, { axis: 1 }), `${path}.cv2`, (2 + n) * c, c2, 1);
  }

  /** SPPF(c1, c2, k=5). */
  sppf(x: string, path: string, c1: number, c2: number): string {
    const c = Math.trunc(c1 / 2);
    const y0 = this.conv(x, `${path}.cv1`, c1, c, 1);
    const pool = (t: string) => this.g.op('MaxPool', [t], {
      ceil_mode: 0, dilations: [1, 1], kernel_shape: [5, 5], pads: [2, 2, 2, 2], strides: [1, 1],
    });
    const y1 = pool(y0);
    const y2 = pool(y1);
    const y3 = pool(y2);
    return this.conv(this.g.op('Concat', [y0, y1, y2, y3], { axis: 1 }), `${path}.cv2`, 4 * c, c2, 1);
  }

  /** nn.Upsample(scale_factor=2, mode='nearest') as torch exports it. */
  upsample(x: string): string {
    return this.g.op('Resize', [x, '', this.g.constF([1, 1, 2, 2])], {
      coordinate_transformation_mode: 'asymmetric', cubic_coeff_a: { f: -0.75 }, mode: 'nearest', nearest_mode: 'floor',
    });
  }

  /** Proto(c1, c_, c2=32). */
  proto(x: string, path: string, c1: number, c: number, c2: number): string {
    const y = this.conv(x, `${path}.cv1`, c1, c, 3);
    const dims: [number, number, number, number] = [c, c, 2, 2];
    const { weight, bias } = this.src.conv(`${path}.upsample`, dims, 'upsample');
    const w = this.g.init('w', weight, dims);
    const b = this.g.init('b', bias, [c]);
    this.convs.push({ op: 'ConvTranspose', dims, stride: 2 });
    const up = this.g.op('ConvTranspose', [y, w, b], {
      dilations: [1, 1], group: 1, kernel_shape: [2, 2], pads: [0, 0, 0, 0], strides: [2, 2],
    });
    const y2 = this.conv(up, `${path}.cv2`, c, c, 3);
    return this.conv(y2, `${path}.cv3`, c, c2, 1, 1, 'proto-out');
  }

  reshape(x: string, dims: number[]): string {
    return this.g.op('Reshape', [x, this.g.constI64(dims)]);
  }
}

/** Ultralytics' names metadata: a Python dict repr, `{0: 'object'}`. */
export function namesRepr(names: Record<number, string>): string {
  return `{${Object.entries(names).map(([i, n]) => `${i}: '${String(n).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}}`;
}

/** Writes the graph (see the file comment). */
export function buildYoloV8SegGraph(scale: ArchScale, src: WeightSource, options: SegGraphOptions = {}): SegGraph {
  if (!scale || !(scale.depth > 0) || !(scale.width > 0) || !(scale.maxChannels > 0)) {
    throw new Error(`buildYoloV8SegGraph: got scale ${JSON.stringify(scale)}, expected {depth, width, maxChannels}`);
  }
  const imgsz = options.imgsz ?? 1024;
  if (!Number.isInteger(imgsz) || imgsz < 64 || imgsz % 32 !== 0) {
    throw new Error(`buildYoloV8SegGraph: got imgsz ${imgsz}, expected a multiple of 32 ≥ 64`);
  }
  const nc = options.numClasses ?? 1;
  if (!Number.isInteger(nc) || nc < 1) throw new Error(`buildYoloV8SegGraph: got numClasses ${nc}, expected an integer ≥ 1`);
  const H = options.headIndex ?? 22;
  const name = options.name ?? 'yolov8-seg';
  const W = new SegWriter(name, src);
  const g = W.g;
  const { ch, rep } = scaleDims(scale);
  const L = (i: number) => `model.${i}`;

  const images = g.input('images', [1, 3, imgsz, imgsz]);
  // Backbone.
  const c0 = ch(64), c1 = ch(128), c3 = ch(256), c5 = ch(512), c7 = ch(1024);
  let x = W.conv(images, L(0), 3, c0, 3, 2); // 0 P1/2
  x = W.conv(x, L(1), c0, c1, 3, 2); // 1 P2/4
  x = W.c2f(x, L(2), c1, c1, rep(3), true); // 2
  x = W.conv(x, L(3), c1, c3, 3, 2); // 3 P3/8
  const p3 = W.c2f(x, L(4), c3, c3, rep(6), true); // 4
  x = W.conv(p3, L(5), c3, c5, 3, 2); // 5 P4/16
  const p4 = W.c2f(x, L(6), c5, c5, rep(6), true); // 6
  x = W.conv(p4, L(7), c5, c7, 3, 2); // 7 P5/32
  x = W.c2f(x, L(8), c7, c7, rep(3), true); // 8
  const p5 = W.sppf(x, L(9), c7, c7); // 9
  // Head (FPN + PAN), no shortcuts.
  x = g.op('Concat', [W.upsample(p5), p4], { axis: 1 }); // 10, 11
  const h12 = W.c2f(x, L(12), c7 + c5, c5, rep(3), false); // 12
  x = g.op('Concat', [W.upsample(h12), p3], { axis: 1 }); // 13, 14
  const h15 = W.c2f(x, L(15), c5 + c3, c3, rep(3), false); // 15 (P3/8)
  x = g.op('Concat', [W.conv(h15, L(16), c3, c3, 3, 2), h12], { axis: 1 }); // 16, 17
  const h18 = W.c2f(x, L(18), c3 + c5, c5, rep(3), false); // 18 (P4/16)
  x = g.op('Concat', [W.conv(h18, L(19), c5, c5, 3, 2), p5], { axis: 1 }); // 19, 20
  const h21 = W.c2f(x, L(21), c5 + c7, c7, rep(3), false); // 21 (P5/32)

  // Segment(nc, nm=32, npr=256 scaled, ch=[P3, P4, P5]).
  const hp = L(H);
  const feats = [h15, h18, h21];
  const fch = [c3, c5, c7];
  const npr = makeDivisible(Math.min(NPR, scale.maxChannels) * scale.width, 8);
  const protos = W.proto(h15, `${hp}.proto`, fch[0], npr, NM);
  const c4 = Math.max(Math.trunc(fch[0] / 4), NM);
  const mcs = feats.map((f, i) => {
    const y = W.conv(W.conv(f, `${hp}.cv4.${i}.0`, fch[i], c4, 3), `${hp}.cv4.${i}.1`, c4, c4, 3);
    return W.reshape(W.conv2d(y, `${hp}.cv4.${i}.2`, c4, NM, 1, 1, 'mask-coef'), [1, NM, -1]);
  });
  const mc = g.op('Concat', mcs, { axis: 2 });

  // Detect: c2 = max(16, ch[0]//4, reg_max*4), c3 = max(ch[0], min(nc, 100)).
  const dc2 = Math.max(16, Math.trunc(fch[0] / 4), REG_MAX * 4);
  const dc3 = Math.max(fch[0], Math.min(nc, 100));
  const no = nc + REG_MAX * 4;
  const levels = feats.map((f, i) => {
    const b1 = W.conv(W.conv(f, `${hp}.cv2.${i}.0`, fch[i], dc2, 3), `${hp}.cv2.${i}.1`, dc2, dc2, 3);
    const box = W.conv2d(b1, `${hp}.cv2.${i}.2`, dc2, 4 * REG_MAX, 1, 1, 'box');
    const k1 = W.conv(W.conv(f, `${hp}.cv3.${i}.0`, fch[i], dc3, 3), `${hp}.cv3.${i}.1`, dc3, dc3, 3);
    const cls = W.conv2d(k1, `${hp}.cv3.${i}.2`, dc3, nc, 1, 1, 'cls');
    return W.reshape(g.op('Concat', [box, cls], { axis: 1 }), [1, no, -1]);
  });
  const xcat = g.op('Concat', levels, { axis: 2 });
  const sizes = SEG_STRIDES.map((s) => imgsz / s);
  const nAnchors = sizes.reduce((a, s) => a + s * s, 0);
  const anchors = new Float32Array(2 * nAnchors);
  const strides = new Float32Array(nAnchors);
  let k = 0;
  sizes.forEach((n, li) => {
    for (let yy = 0; yy < n; yy++) {
      for (let xx = 0; xx < n; xx++, k++) {
        anchors[k] = xx + 0.5;
        anchors[nAnchors + k] = yy + 0.5;
        strides[k] = SEG_STRIDES[li];
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

  const names = options.names ?? Object.fromEntries(Array.from({ length: nc }, (_, i) => [i, nc === 1 ? 'object' : `class${i}`]));
  const metadata: Record<string, string> = {
    ...(options.metadata ?? {}),
    stride: '32',
    task: 'segment',
    batch: '1',
    imgsz: `[${imgsz}, ${imgsz}]`,
    names: namesRepr(names),
  };
  const bytes = options.encode === false ? new Uint8Array(0) : g.toBytes({ producer: options.producer ?? 'fastsam-geo', metadata });
  return {
    bytes,
    parameterCount: g.parameterCount,
    imgsz,
    headChannels: [c3, c5, c7],
    outputs: { output0: d0, output1: d1 },
    convs: W.convs,
    metadata,
  };
}
