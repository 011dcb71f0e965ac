/**
 * A mask's logits over its window of cell-major prototypes (masks.ts), by a WebAssembly SIMD kernel
 * (mask-logits.wat, embedded by scripts/build-wasm.mjs as mask-logits-wasm.ts): the same f64 sums in
 * the same channel order as masks.ts's JavaScript loop, two lanes at a time, rounded once to f32 —
 * bit-identical logits (mask-logits.test.ts), 4× faster on this machine (300 windows, 190k cells of 32
 * channels: 10.7–11.5 ms in JavaScript, 2.5 ms here).
 *
 * The kernel reads the prototypes from its own memory: the first call with a tile's prototypes copies
 * them there (3 MB at 640, 8 MB at 1024; once per tile and thread), later calls with the same array
 * reuse them. The memory grows to the largest prototype grid seen and stays. Where WebAssembly SIMD is
 * not available, cellLogits returns null and the caller computes the logits in JavaScript.
 */
import { MASK_LOGITS_WASM } from './mask-logits-wasm.js';

interface Kernel {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  logits(cells: number, coef: number, cell0: number, lw: number, lh: number, nm: number, mw: number, out: number): void;
}

// Minimal view of the WebAssembly API (the engine compiles against ES2022 + node types, not the DOM's).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => unknown;
  Instance: new (module: unknown, imports: object) => { exports: Record<string, unknown> };
};

let kernel: Kernel | null | undefined;
let enabled = true;
/** The prototypes now in the kernel's memory, and where the coefficients and the output go. */
let loaded: WeakRef<Float32Array> | null = null;
let coefAt = 0;
let outAt = 0;

function instance(): Kernel | null {
  if (kernel === undefined) {
    try {
      const module = new WebAssembly.Module(Buffer.from(MASK_LOGITS_WASM, 'base64'));
      const exports = new WebAssembly.Instance(module, {}).exports;
      kernel = { memory: exports.memory as Kernel['memory'], logits: exports.logits as Kernel['logits'] };
    } catch {
      kernel = null; // no WebAssembly SIMD here: the JavaScript loop serves
    }
  }
  return kernel;
}

/** Switches the kernel off (false) or back on; off, cellLogits returns null (tests, and the bench's side-by-side figure). */
export function useWasmLogits(on: boolean): void {
  enabled = on;
}

/** Whether cellLogits computes (WebAssembly SIMD available and not switched off). */
export function wasmLogitsAvailable(): boolean {
  return enabled && instance() !== null;
}

const align16 = (n: number): number => (n + 15) & ~15;

/**
 * logits[yy · lw + xx] = Σ_c coeffs[c] · byCell[(cell0 + yy · mw + xx) · nm + c] for a window of lw × lh
 * cells of the nm-channel cell-major prototypes `byCell` (rows mw cells apart), as masks.ts sums it.
 * Returns a view into the kernel's memory, valid until the next call; null where the kernel is off.
 */
export function cellLogits(byCell: Float32Array, coeffs: Float32Array, cell0: number, lw: number, lh: number, nm: number, mw: number): Float32Array | null {
  const k = enabled ? instance() : null;
  if (!k) return null;
  if (cell0 < 0 || lw < 0 || lh < 0 || (lw > 0 && lh > 0 && (cell0 + (lh - 1) * mw + lw) * nm > byCell.length)) {
    throw new RangeError(`mask logits: window of ${lw}×${lh} cells at ${cell0} outside ${byCell.length / nm} cells`);
  }
  if (loaded?.deref() !== byCell) {
    coefAt = align16(byCell.byteLength);
    outAt = align16(coefAt + 8 * nm);
    // The largest window is the whole grid.
    const end = outAt + 4 * Math.ceil(byCell.length / nm);
    const have = k.memory.buffer.byteLength;
    if (end > have) {
      try {
        k.memory.grow(Math.ceil((end - have) / 65536));
      } catch {
        return null; // past what WebAssembly memory can hold: the JavaScript loop serves this grid
      }
    }
    new Float32Array(k.memory.buffer, 0, byCell.length).set(byCell);
    loaded = new WeakRef(byCell);
  }
  const buffer = k.memory.buffer;
  new Float64Array(buffer, coefAt, nm).set(coeffs.subarray(0, nm));
  k.logits(0, coefAt, cell0, lw, lh, nm, mw, outAt);
  return new Float32Array(buffer, outAt, lw * lh);
}
