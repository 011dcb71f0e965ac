import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identityStretch, toRgb8, type Stretch } from './normalize.js';
import type { BandArray, WindowData } from './open.js';

/** toRgb8 written the plain way, pixel by pixel: a pixel is valid when no band is NaN or nodata. */
function reference(win: WindowData, stretch: Stretch, nodata: number | null): { rgb: Uint8Array; valid: Uint8Array | null; count: number } {
  const n = win.width * win.height;
  const rgb = new Uint8Array(n * 3);
  const valid = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const vals = win.data.map((d) => d[i]);
    if (vals.some((v) => Number.isNaN(v) || (nodata !== null && v === nodata))) continue;
    valid[i] = 1;
    count++;
    for (let c = 0; c < 3; c++) {
      const b = win.data.length === 1 ? 0 : c;
      const [lo, hi] = stretch[b];
      const v = vals[b];
      let q = hi > lo ? (v - lo) * (255 / (hi - lo)) : v > lo ? 255 : 0;
      q = q < 0 ? 0 : q > 255 ? 255 : Math.round(q);
      rgb[i * 3 + c] = q;
    }
  }
  return { rgb, valid: count === n ? null : valid, count };
}

test('toRgb8 equals a plain per-pixel reference: uint8/uint16/float32, 1 and 3 bands, stretch or not, nodata and NaN', () => {
  let seed = 3;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 16777216;
  const w = 37;
  const h = 23;
  const n = w * h;
  const make = (kind: 'uint8' | 'uint16' | 'float32', withHoles: boolean): BandArray => {
    const a = kind === 'uint8' ? new Uint8Array(n) : kind === 'uint16' ? new Uint16Array(n) : new Float32Array(n);
    const top = kind === 'uint8' ? 256 : kind === 'uint16' ? 4000 : 1;
    for (let i = 0; i < n; i++) a[i] = kind === 'float32' ? rand() * 1.2 - 0.1 : Math.floor(rand() * top);
    if (withHoles) for (let i = 0; i < n; i += 17) a[i] = kind === 'float32' ? (i % 2 ? NaN : -9) : 0;
    return a;
  };
  const cases: { kind: 'uint8' | 'uint16' | 'float32'; nb: 1 | 3; stretch: (nb: number) => Stretch; nodata: number | null; holes: boolean }[] = [
    { kind: 'uint8', nb: 3, stretch: identityStretch, nodata: null, holes: false },
    { kind: 'uint8', nb: 1, stretch: identityStretch, nodata: null, holes: false },
    { kind: 'uint8', nb: 3, stretch: identityStretch, nodata: 0, holes: true },
    { kind: 'uint8', nb: 3, stretch: (nb) => Array.from({ length: nb }, (_, b) => [10 + b, 200 - b] as [number, number]), nodata: null, holes: false },
    { kind: 'uint16', nb: 3, stretch: (nb) => Array.from({ length: nb }, () => [100, 3500] as [number, number]), nodata: 0, holes: true },
    { kind: 'uint16', nb: 1, stretch: () => [[250, 250]], nodata: null, holes: false },
    { kind: 'uint8', nb: 1, stretch: () => [[20.5, 199.25]], nodata: 0, holes: true },
    { kind: 'uint16', nb: 3, stretch: (nb) => Array.from({ length: nb }, (_, b) => [b * 300, 3900 - b] as [number, number]), nodata: 65535, holes: false },
    { kind: 'float32', nb: 3, stretch: (nb) => Array.from({ length: nb }, () => [0.02, 0.97] as [number, number]), nodata: -9, holes: true },
    { kind: 'float32', nb: 1, stretch: () => [[0, 1]], nodata: null, holes: true },
  ];
  for (const c of cases) {
    const win: WindowData = { width: w, height: h, data: Array.from({ length: c.nb }, () => make(c.kind, c.holes)) };
    const stretch = c.stretch(c.nb);
    const got = toRgb8(win, stretch, c.nodata);
    const want = reference(win, stretch, c.nodata);
    const what = `${c.kind} × ${c.nb}, stretch ${JSON.stringify(stretch[0])}, nodata ${c.nodata}`;
    assert.deepEqual([got.image.width, got.image.height, got.image.channels], [w, h, 3], what);
    assert.ok(Buffer.from(got.image.data).equals(Buffer.from(want.rgb)), what);
    assert.equal(got.validCount, want.count, what);
    assert.deepEqual(got.valid, want.valid, what);
  }
});

test('toRgb8 of pixel-interleaved bytes (rgb8) equals the reference on the same pixels: as is, stretched, with nodata', () => {
  const width = 37, height = 23, n = width * height;
  const planes = [0, 1, 2].map((b) => Uint8Array.from({ length: n }, (_, i) => (i * (7 + b) + b * 31) & 255));
  const rgb8 = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) for (let b = 0; b < 3; b++) rgb8[3 * i + b] = planes[b][i];
  const cases: [Stretch, number | null][] = [[identityStretch(3), null], [[[10, 200], [0, 255], [40, 90]], null], [identityStretch(3), 77]];
  for (const [stretch, nodata] of cases) {
    const want = reference({ width, height, data: planes }, stretch, nodata);
    const got = toRgb8({ width, height, data: [], rgb8 }, stretch, nodata);
    assert.deepEqual(got.image.data, want.rgb, JSON.stringify({ stretch, nodata }));
    assert.deepEqual(got.valid, want.valid);
    assert.equal(got.validCount, want.count);
  }
  // As is: the bytes read are the image (no copy).
  assert.equal(toRgb8({ width, height, data: [], rgb8 }, identityStretch(3), null).image.data, rgb8);
});
