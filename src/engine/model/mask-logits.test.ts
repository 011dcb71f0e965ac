import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cellLogits, useWasmLogits, wasmLogitsAvailable } from './mask-logits.js';
import { MASK_LOGITS_WASM } from './mask-logits-wasm.js';
import { maskInBox, protoGeometry, protosByCell } from './masks.js';
import { REPO_ROOT } from '../testing/shared-data.js';

test('the embedded kernel is mask-logits.wat assembled by wabt (scripts/build-wasm.mjs)', async () => {
  const { assemble } = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts/build-wasm.mjs')).href)) as { assemble: (file: string) => Promise<Buffer> };
  const bytes = await assemble(path.join(REPO_ROOT, 'src/engine/model/mask-logits.wat'));
  assert.equal(Buffer.from(MASK_LOGITS_WASM, 'base64').toString('hex'), bytes.toString('hex'), 'rerun node scripts/build-wasm.mjs');
});

/** The reference: each cell's dot product in f64, channels c ≡ k (mod 4) summed into s_k in order (the tail into s0), rounded once. */
function reference(byCell: Float32Array, coeffs: Float32Array, cell0: number, lw: number, lh: number, nm: number, mw: number): Float32Array {
  const out = new Float32Array(lw * lh);
  const nm4 = nm - (nm % 4);
  for (let y = 0; y < lh; y++) {
    for (let x = 0; x < lw; x++) {
      const b = (cell0 + y * mw + x) * nm;
      const s = [0, 0, 0, 0];
      for (let c = 0; c < nm4; c++) s[c % 4] += coeffs[c] * byCell[b + c];
      for (let c = nm4; c < nm; c++) s[0] += coeffs[c] * byCell[b + c];
      out[y * lw + x] = (s[0] + s[1]) + (s[2] + s[3]);
    }
  }
  return out;
}

test('cellLogits (WebAssembly SIMD) equals the f64 reference bit for bit; new prototypes are loaded, the memory grows', () => {
  assert.ok(wasmLogitsAvailable(), 'WebAssembly SIMD is available in node ≥ 16: the kernel must load');
  let seed = 9;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let cells = 0;
  // Grids of growing size (the kernel's memory grows), channel counts with and without a tail, and a
  // return to an earlier grid (its prototypes must be copied in again).
  const grids = [[32, 40, 48], [5, 30, 20], [30, 160, 160], [32, 256, 256]].map(([nm, mh, mw]) => ({
    nm, mh, mw, byCell: Float32Array.from({ length: nm * mh * mw }, () => rnd() * 2 - 1),
  }));
  for (const g of [...grids, grids[0], grids[2]]) {
    for (let k = 0; k < 25; k++) {
      const lw = 1 + Math.floor(rnd() * Math.min(60, g.mw)), lh = 1 + Math.floor(rnd() * Math.min(60, g.mh));
      const cell0 = Math.floor(rnd() * (g.mh - lh + 1)) * g.mw + Math.floor(rnd() * (g.mw - lw + 1));
      const coeffs = Float32Array.from({ length: g.nm }, () => (rnd() * 2 - 1) * 3);
      const got = cellLogits(g.byCell, coeffs, cell0, lw, lh, g.nm, g.mw)!;
      const want = reference(g.byCell, coeffs, cell0, lw, lh, g.nm, g.mw);
      assert.deepEqual(Array.from(got), Array.from(want), `grid ${g.nm}×${g.mh}×${g.mw}, window ${lw}×${lh} at ${cell0}`);
      cells += lw * lh;
    }
  }
  assert.ok(cells > 20000, `${cells} cells`);
  assert.throws(() => cellLogits(grids[0].byCell, new Float32Array(32), 40 * 48 - 2, 5, 1, 32, 48), /outside/);
});

test('maskInBox: the same masks with the kernel on and off (the JavaScript loop)', () => {
  let seed = 4;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const nm = 32, mh = 64, mw = 64;
  const protos = Float32Array.from({ length: nm * mh * mw }, () => rnd() * 2 - 1);
  const g = protoGeometry(nm, mh, mw, 256, 256);
  const byCell = protosByCell(protos, g);
  let pixels = 0;
  for (let k = 0; k < 40; k++) {
    const coeffs = Float32Array.from({ length: nm }, () => rnd() * 2 - 1);
    const x0 = rnd() * 200, y0 = rnd() * 200;
    const box = [x0, y0, x0 + 5 + rnd() * 50, y0 + 5 + rnd() * 50];
    useWasmLogits(true);
    const on = maskInBox(protos, coeffs, box, g, byCell);
    useWasmLogits(false);
    try {
      assert.deepEqual(on, maskInBox(protos, coeffs, box, g, byCell), `detection ${k}`);
    } finally {
      useWasmLogits(true);
    }
    pixels += on.area;
  }
  assert.ok(pixels > 1000, `${pixels} mask pixels`);
});
