/**
 * Hand-made label rasters of joined buildings for the shared-wall tests: terraced rows, an L-row and a
 * courtyard block, axis-aligned or rotated, with noisy (jittered) edges and some one-pixel gaps between
 * houses, as a mask would give them. Each house is an axis-aligned rectangle in its own (u, v) frame,
 * rasterized by pixel centres after rotation; edges wander by up to ±`jitter` pixels in runs of 1–4
 * pixels (a seeded generator, so every run gives the same raster).
 */

export interface House {
  /** Rectangle in the scene frame (pixels): [u0, v0, u1, v1]. */
  rect: [number, number, number, number];
}

export interface Scene {
  width: number;
  height: number;
  /** Labels 1..n (house k + 1), 0 = background. */
  labels: Uint16Array;
  /** Pairs of labels that share a wall in the raster (touching or one pixel apart). */
  neighbours: [number, number][];
}

/** Mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A jitter function along one edge: piecewise constant in runs of 1–4 pixels, values in ±amp. */
function jitterLine(rand: () => number, amp: number): (t: number) => number {
  const cache = new Map<number, number>();
  let next = -1000;
  let val = 0;
  return (t: number): number => {
    const k = Math.floor(t);
    if (cache.has(k)) return cache.get(k)!;
    // Fill runs lazily from the lowest index asked.
    if (next === -1000) next = k;
    for (let i = Math.min(next, k); i <= k; ) {
      if (cache.has(i)) { i++; continue; }
      val = (rand() * 2 - 1) * amp;
      const len = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < len; j++) cache.set(i + j, val);
      i += len;
    }
    next = Math.max(next, k + 1);
    return cache.get(k)!;
  };
}

/**
 * Rasterizes houses (rectangles in a frame rotated by `deg` about the raster centre). Walls between
 * houses listed in `gaps` (pairs of house indices) are pulled apart by one pixel; every edge jitters.
 */
export function rasterizeHouses(width: number, height: number, houses: House[], deg: number, seed: number, jitter = 0.7, gaps: [number, number][] = []): Scene {
  const rand = rng(seed);
  const a = (deg * Math.PI) / 180;
  const cos = Math.cos(a), sin = Math.sin(a);
  const cx = width / 2, cy = height / 2;
  // One jitter line per distinct edge position, so that two houses on one wall share its jitter.
  const lines = new Map<string, (t: number) => number>();
  const line = (key: string): ((t: number) => number) => {
    let f = lines.get(key);
    if (!f) lines.set(key, (f = jitterLine(rand, jitter)));
    return f;
  };
  const shrink = houses.map(() => [0, 0, 0, 0]);
  for (const [i, j] of gaps) {
    const hi = houses[i].rect, hj = houses[j].rect;
    if (hi[2] === hj[0]) shrink[i][2] = 1;
    else if (hj[2] === hi[0]) shrink[j][2] = 1;
    else if (hi[3] === hj[1]) shrink[i][3] = 1;
    else if (hj[3] === hi[1]) shrink[j][3] = 1;
  }
  const labels = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      const u = dx * cos + dy * sin + cx;
      const v = -dx * sin + dy * cos + cy;
      for (let k = 0; k < houses.length; k++) {
        const [u0, v0, u1, v1] = houses[k].rect;
        const s = shrink[k];
        if (u < u0 - 2 || u > u1 + 2 || v < v0 - 2 || v > v1 + 2) continue;
        const lu0 = u0 + s[0] + line(`u${u0}`)(v), lu1 = u1 - s[2] + line(`u${u1}`)(v);
        const lv0 = v0 + s[1] + line(`v${v0}`)(u), lv1 = v1 - s[3] + line(`v${v1}`)(u);
        if (u >= lu0 && u < lu1 && v >= lv0 && v < lv1) {
          labels[y * width + x] = k + 1;
          break;
        }
      }
    }
  }
  keepLargestParts(labels, width, height);
  // Neighbours as the raster has them: labels 4-adjacent, or two apart across one background pixel.
  const pairs = new Set<string>();
  const add = (p: number, q: number): void => {
    if (p && q && p !== q) pairs.add(p < q ? `${p},${q}` : `${q},${p}`);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = labels[y * width + x];
      if (!p) continue;
      if (x + 1 < width) add(p, labels[y * width + x + 1]);
      if (y + 1 < height) add(p, labels[(y + 1) * width + x]);
      if (x + 2 < width && !labels[y * width + x + 1]) add(p, labels[y * width + x + 2]);
      if (y + 2 < height && !labels[(y + 1) * width + x]) add(p, labels[(y + 2) * width + x]);
    }
  }
  const neighbours = [...pairs].map((s) => s.split(',').map(Number) as [number, number]);
  return { width, height, labels, neighbours };
}

/** `n` terraced houses in a row: widths 12–20 px, depth 22 px, starting at (u0, v0). */
export function terracedRow(n: number, u0: number, v0: number, rand: () => number, depth = 22): House[] {
  const out: House[] = [];
  let u = u0;
  for (let k = 0; k < n; k++) {
    const w = 12 + Math.floor(rand() * 9);
    out.push({ rect: [u, v0, u + w, v0 + depth] });
    u += w;
  }
  return out;
}

/** An L-row: a row of `a` houses and, at its right end, a column of `b` houses going down. */
export function lRow(a: number, b: number, u0: number, v0: number, rand: () => number): House[] {
  const row = terracedRow(a, u0, v0, rand);
  const right = row[row.length - 1].rect[2];
  const col: House[] = [];
  let v = v0 + 22;
  for (let k = 0; k < b; k++) {
    const h = 12 + Math.floor(rand() * 9);
    col.push({ rect: [right - 22, v, right, v + h] });
    v += h;
  }
  return [...row, ...col];
}

/** A courtyard block: a ring of houses (top and bottom rows of `n`, sides of `m`) around open ground. */
export function courtyardBlock(n: number, m: number, u0: number, v0: number, rand: () => number): House[] {
  const d = 20;
  const top = terracedRow(n, u0, v0, rand, d);
  // Corner houses as wide as the side houses are deep, so that corners meet wall to wall.
  let u = u0;
  for (let k = 0; k < n; k++) {
    const w = k === 0 || k === n - 1 ? d : top[k].rect[2] - top[k].rect[0];
    top[k].rect = [u, v0, u + w, v0 + d];
    u += w;
  }
  const right = u;
  const sides: House[] = [];
  let v = v0 + d;
  for (let k = 0; k < m; k++) {
    const h = 16 + Math.floor(rand() * 6);
    sides.push({ rect: [u0, v, u0 + d, v + h] }, { rect: [right - d, v, right, v + h] });
    v += h;
  }
  // The bottom row repeats the top row's house widths.
  const bottom: House[] = top.map((h) => ({ rect: [h.rect[0], v, h.rect[2], v + d] }));
  return [...top, ...sides, ...bottom];
}

/** Jitter can cut a pixel or two off a house: keep each label's largest 4-connected part only. */
function keepLargestParts(labels: Uint16Array, width: number, height: number): void {
  const seen = new Uint8Array(labels.length);
  const best = new Map<number, number[]>();
  const parts: number[][] = [];
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i] || seen[i]) continue;
    const L = labels[i];
    const part: number[] = [];
    const stack = [i];
    seen[i] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      part.push(p);
      const x = p % width, y = (p - x) / width;
      for (const [nx, ny] of [[x + 1, y], [x - 1, y], [x, y + 1], [x, y - 1]]) {
        const q = ny * width + nx;
        if (nx >= 0 && ny >= 0 && nx < width && ny < height && !seen[q] && labels[q] === L) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    parts.push(part);
    const b = best.get(L);
    if (!b || b.length < part.length) best.set(L, part);
  }
  for (const part of parts) if (best.get(labels[part[0]]) !== part) for (const p of part) labels[p] = 0;
}

/** A scene of one row of `n` houses at `deg`°, with a one-pixel gap in every third wall. */
export function terracedRowScene(n: number, deg: number, seed: number): Scene {
  const rand = rng(seed);
  const houses: House[] = terracedRow(n, 20, 30, rand);
  const width = Math.ceil(houses[houses.length - 1].rect[2] + 40);
  const gaps: [number, number][] = [];
  for (let k = 0; k + 1 < n; k += 3) gaps.push([k, k + 1]);
  // Re-centre the row in the raster frame (rotation is about the raster centre).
  const height = 90 + Math.ceil(width * Math.sin((Math.abs(deg) * Math.PI) / 180));
  const shift = (height - 90) / 2;
  for (const h of houses) {
    h.rect[1] += 20 + shift;
    h.rect[3] += 20 + shift;
  }
  return rasterizeHouses(width, height, houses, deg, seed, 0.7, gaps);
}

