/**
 * The planar partition against pixel counts (an independent computation): for every label of hand-made
 * and random label grids (pinches, islands in holes, four labels at one corner), its rings of shared
 * chains enclose exactly its pixels, every chain between two labels is used once by each, and the
 * shared-wall solve runs on them without error and keeps each label's rings closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPartition, ringPoints } from './partition.js';
import { labelComponents } from './trace.js';
import { signedArea } from './rings.js';
import { shapeLabelGrid } from './shared-walls.js';
import { makeGeoRef } from '../geo/georef.js';
import { rng } from '../testing/terraced.js';

function checkGrid(values: Uint16Array, w: number, h: number): void {
  const { labels, count } = labelComponents(values, w, h);
  const part = buildPartition(labels, count, w, h, 3, 5);
  const pixels = new Array(count + 1).fill(0);
  for (const L of labels) pixels[L]++;
  const uses = new Map<number, number>();
  for (let L = 1; L <= count; L++) {
    let area = 0;
    part.rings[L].forEach((ring, k) => {
      const pts = ringPoints(ring, (c) => part.chains[c].points, (c) => part.chains[c].start < 0);
      const a = signedArea(pts);
      if (k === 0) assert.ok(a > 0, `label ${L}: outer ring first (area ${a})`);
      area += a;
      for (const r of ring) uses.set(r.chain, (uses.get(r.chain) ?? 0) + 1);
    });
    assert.equal(area, pixels[L], `label ${L}: rings enclose ${area}, pixels ${pixels[L]}`);
  }
  part.chains.forEach((c, k) => {
    const expected = (c.left > 0 ? 1 : 0) + (c.right > 0 ? 1 : 0);
    assert.equal(uses.get(k) ?? 0, expected, `chain ${k} (${c.left}|${c.right}) used ${uses.get(k)} times`);
  });
  const geo = makeGeoRef({ affine: [733601, 0.5, 0, 3725139, 0, -0.5], geoKeys: { GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32616 }, width: w, height: h }, { crs: 'native' });
  for (const options of [{ regularize: true }, { simplify: 0.75 }]) {
    const { shaped } = shapeLabelGrid(labels, count, w, h, geo, options);
    for (const s of shaped) {
      assert.ok(s, 'every label shaped');
      for (const r of s.coordinates) {
        assert.ok(r.length >= 4, 'a ring of at least 3 points');
        assert.deepEqual(r[0], r[r.length - 1], 'closed');
      }
    }
  }
}

const grid = (rows: string[]): { v: Uint16Array; w: number; h: number } => {
  const h = rows.length, w = rows[0].length;
  const v = new Uint16Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (v[y * w + x] = c === '.' ? 0 : parseInt(c, 36))));
  return { v, w, h };
};

test('hand-made grids: pinches, an island in a hole, four labels at one corner, a label wrapped by another', () => {
  for (const rows of [
    ['12', '21'],
    ['1.', '.1'],
    ['11111', '1...1', '1.2.1', '1...1', '11111'],
    ['1122', '1122', '3344', '3344'],
    ['111111', '122221', '123321', '122221', '111111'],
    ['11.22', '11122', '.3332', '33.22'],
  ]) {
    const { v, w, h } = grid(rows);
    checkGrid(v, w, h);
  }
});

test('random label grids (noise with 3 labels and background): rings match the pixel counts', () => {
  const rand = rng(2024);
  for (let n = 0; n < 40; n++) {
    const w = 6 + Math.floor(rand() * 10), h = 6 + Math.floor(rand() * 10);
    const v = new Uint16Array(w * h);
    for (let i = 0; i < v.length; i++) v[i] = Math.floor(rand() * 4);
    checkGrid(v, w, h);
  }
});
