/**
 * A deterministic fixture model with the FastSAM / YOLOv8-seg ONNX contract, for tests (never a
 * product default: its metadata says "fixture").
 *
 *   images [1, 3, H, W] → output0 [1, 4 + C + 32, N] and output1 [1, 32, H/4, W/4],
 *   N = Σ over strides S ∈ {8, 16, 32} of (H/S)(W/S), anchors at ((j + 0.5)S, (i + 0.5)S).
 *
 * What it "sees": object pixels are pure red, o = 2·relu(R − G − 0.5) (red (255, 0, 0) → 1; gray,
 * white, black and the letterbox padding 114 → 0). At stride S an anchor fires when the 7×7 block of
 * S×S cells centred on it is entirely object and the ring of cells around that block (9×9 minus
 * 7×7) has no object at all: so a red square of side 7S whose corner lies on multiples of S (in model
 * input pixels) gives exactly one detection, box (cx, cy, 7S, 7S) = the square, score LEVEL_SCORES[S]
 * (8 → 0.9, 16 → 0.8, 32 → 0.7), class l mod C for level l. Squares: 56, 112, 224 px.
 * Masks: coefficient 0 is 10, the others 0; prototype 0 is 2·avgpool4(o) − 1, the others 0; so a
 * mask is the object region (after Ultralytics' bilinear logit upsample, the single corner pixel of a
 * square's four corners rounds off) cropped to its box.
 */
import { GraphBuilder } from '../onnx/builder.js';

export const FIXTURE_STRIDES = [8, 16, 32] as const;
export const LEVEL_SCORES: Record<number, number> = { 8: 0.9, 16: 0.8, 32: 0.7 };
/** Side (model input pixels) of the square each stride detects. */
export const squareSide = (stride: number): number => 7 * stride;

export interface FixtureSegModelOptions {
  /** Fixed input size [h, w] (multiples of 32); omit for a dynamic input ('height', 'width'). */
  size?: [number, number];
  /** Number of classes (default 1, as FastSAM). */
  numClasses?: number;
  /** Mask coefficients / prototypes (default 32). */
  numMaskCoeffs?: number;
  /** Ultralytics-style metadata imgsz for dynamic models (default 640). */
  imgsz?: number;
  /** Hostile variants for robustness tests: 'nan' = every output value NaN; 'lying-metadata' = metadata
   * claims imgsz [2^20, 2^20] and 5 classes the outputs do not have. */
  poison?: 'nan' | 'lying-metadata';
}

export function buildFixtureSegModel(options: FixtureSegModelOptions = {}): Uint8Array {
  const C = options.numClasses ?? 1;
  const nm = options.numMaskCoeffs ?? 32;
  const g = new GraphBuilder('fastsam_geo_fixture_seg');
  const [H, W] = options.size ?? ['height', 'width'];
  const images = g.input('images', [1, 3, H, W]);

  const red = g.op('Slice', [images, g.constI64([0]), g.constI64([1]), g.constI64([1])]);
  const green = g.op('Slice', [images, g.constI64([1]), g.constI64([2]), g.constI64([1])]);
  const diff = g.op('Sub', [g.op('Sub', [red, green]), g.constF([0.5], [])]);
  const obj = g.op('Mul', [g.op('Relu', [diff]), g.constF([2], [])]); // [1,1,H,W]

  const levelOut: string[] = [];
  FIXTURE_STRIDES.forEach((S, level) => {
    const cells = g.op('AveragePool', [obj], { kernel_shape: [S, S], strides: [S, S] });
    const inner = g.op('AveragePool', [cells], { kernel_shape: [7, 7], pads: [3, 3, 3, 3], count_include_pad: 1 });
    const outer = g.op('AveragePool', [cells], { kernel_shape: [9, 9], pads: [4, 4, 4, 4], count_include_pad: 1 });
    // ring = 81·outer − 49·inner (sum over the ring of cells)
    const ring = g.op('Sub', [g.op('Mul', [outer, g.constF([81], [])]), g.op('Mul', [inner, g.constF([49], [])])]);
    const eps = 0.01;
    // s = clip((inner − 1000·ring − (1 − eps)) / eps, 0, 1) · levelScore
    const raw = g.op('Sub', [g.op('Sub', [inner, g.op('Mul', [ring, g.constF([1000], [])])]), g.constF([1 - eps], [])]);
    const unit = g.op('Clip', [g.op('Div', [raw, g.constF([eps], [])]), g.constF([0], []), g.constF([1], [])]);
    const score = g.op('Mul', [unit, g.constF([LEVEL_SCORES[S]], [])]);

    const ones = g.op('Add', [g.op('Mul', [cells, g.constF([0], [])]), g.constF([1], [])]);
    const cx = g.op('Mul', [g.op('Sub', [g.op('CumSum', [ones, g.constI64([3], [])]), g.constF([0.5], [])]), g.constF([S], [])]);
    const cy = g.op('Mul', [g.op('Sub', [g.op('CumSum', [ones, g.constI64([2], [])]), g.constF([0.5], [])]), g.constF([S], [])]);
    const side = g.op('Mul', [ones, g.constF([squareSide(S)], [])]);
    const classRows: string[] = [];
    for (let c = 0; c < C; c += 1) classRows.push(c === level % C ? score : g.op('Mul', [score, g.constF([0], [])]));
    const coeffVec = new Float32Array(nm);
    coeffVec[0] = 10;
    const coeffs = g.op('Mul', [ones, g.constF(coeffVec, [1, nm, 1, 1])]);
    const all = g.op('Concat', [cx, cy, side, side, ...classRows, coeffs], { axis: 1 }); // [1, 4+C+nm, h, w]
    levelOut.push(g.op('Reshape', [all, g.constI64([1, 4 + C + nm, -1])]));
  });
  const nan = (x: string): string => (options.poison === 'nan' ? g.op('Mul', [x, g.constF([NaN], [])]) : x);
  const out0 = g.rename(nan(g.op('Concat', levelOut, { axis: 2 })), 'output0');
  g.output(out0, [1, 4 + C + nm, typeof H === 'number' && typeof W === 'number' ? anchorCount(H, W) : 'anchors']);

  const o4 = g.op('AveragePool', [obj], { kernel_shape: [4, 4], strides: [4, 4] });
  const p0 = g.op('Sub', [g.op('Mul', [o4, g.constF([2], [])]), g.constF([1], [])]);
  const sel = new Float32Array(nm);
  sel[0] = 1;
  const out1 = g.rename(nan(g.op('Mul', [p0, g.constF(sel, [1, nm, 1, 1])])), 'output1');
  g.output(out1, [1, nm, typeof H === 'number' ? H / 4 : 'h4', typeof W === 'number' ? W / 4 : 'w4']);

  const lying = options.poison === 'lying-metadata';
  const names = `{${Array.from({ length: lying ? 5 : C }, (_, i) => `${i}: 'square${i}'`).join(', ')}}`;
  const imgsz = lying ? [2 ** 20, 2 ** 20] : options.size ?? [options.imgsz ?? 640, options.imgsz ?? 640];
  return g.toBytes({
    metadata: {
      description: 'fastsam-geo test fixture (NOT FastSAM): red squares of side 56/112/224 px become detections',
      task: 'segment',
      stride: '32',
      imgsz: `[${imgsz[0]}, ${imgsz[1]}]`,
      names,
    },
  });
}

export function anchorCount(h: number, w: number): number {
  return FIXTURE_STRIDES.reduce((n, s) => n + (h / s) * (w / s), 0);
}

/** An 8-bit RGB image of the given size (background gray `bg`) with pure red squares [x, y, side]. */
export function squaresImage(width: number, height: number, squares: [number, number, number][], bg = 200): {
  data: Uint8Array; width: number; height: number; channels: 3;
} {
  const data = new Uint8Array(width * height * 3).fill(bg);
  for (const [x0, y0, side] of squares) {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + side); y += 1) {
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + side); x += 1) {
        const i = (y * width + x) * 3;
        data[i] = 255; data[i + 1] = 0; data[i + 2] = 0;
      }
    }
  }
  return { data, width, height, channels: 3 };
}
