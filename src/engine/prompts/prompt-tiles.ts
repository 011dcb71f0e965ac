/**
 * Prompts over a raster's tiles (everything-mode results per tile window, usually from the tile
 * cache). Coordinates are raster pixels; results are masks in raster pixels.
 *
 * - A foreground point is answered by the tile where it lies farthest from the tile's edges (tiles
 *   overlap, so an object near a seam is whole in some tile); background points apply to every tile.
 * - A box is tried in every tile it overlaps; the best mask-to-box IoU wins (the box's area is that
 *   of the box clamped to the raster, not to the tile).
 * - Text: masks from all tiles are scored together (cosine, or softmax over all candidates).
 * Masks selected in two overlapping tiles for the same object (IoU ≥ 0.5) are kept once (higher score).
 */
import { EngineError } from '../errors.js';
import type { Box, CroppedMask, SegmentResult } from '../types.js';
import type { CropEmbeddings } from '../cache/embedding-codec.js';
import { buildMaskIndex, masksTouching, maskPixelsIn, maskArea, type MaskIndex } from './mask-index.js';
import { selectByPoints, type PointPrompt } from './points.js';
import { textScores } from './text.js';
import { unionMasks, countPixels, maskIoU } from './morphology.js';
import { applyMorphology, finite, type MorphologyOptions, type Selected } from './selection.js';
import { DEFAULTS } from '../config.js';

export interface PromptTile {
  /** The tile's window in raster pixels [x0, y0, x1, y1] (x1/y1 exclusive). */
  window: [number, number, number, number];
  result: SegmentResult;
  /** CLIP embeddings of the tile's masks (needed for text prompts). */
  embeddings?: CropEmbeddings;
}

export interface RasterSelected extends Omit<Selected, 'mask'> {
  /** The mask in raster pixels. */
  mask: CroppedMask;
  /** Index of the tile it came from (the first one when merged). */
  tile: number;
}

export interface RasterPromptResult {
  selected: RasterSelected[];
  unmatched: { type: 'point' | 'box' | 'text'; index: number }[];
  timings: { select: number };
  /** Text prompts: the highest score of any candidate (null: no candidates), to say how far off a threshold was. */
  bestScore?: number | null;
}

const indexes = new WeakMap<SegmentResult, MaskIndex>();

/** The prompt index of a tile result, built once per result object. */
export function indexFor(result: SegmentResult): MaskIndex {
  let ix = indexes.get(result);
  if (!ix) {
    ix = buildMaskIndex(result);
    indexes.set(result, ix);
  }
  return ix;
}

const shift = (m: CroppedMask, dx: number, dy: number): CroppedMask => ({ ...m, x: m.x + dx, y: m.y + dy });

function checkTiles(tiles: PromptTile[]): void {
  if (!Array.isArray(tiles) || tiles.length === 0) throw new EngineError('EMPTY', 'no tile results to prompt on (run everything-mode segmentation first)');
  tiles.forEach((t, i) => {
    const [x0, y0, x1, y1] = t.window;
    if (x1 - x0 !== t.result.image.width || y1 - y0 !== t.result.image.height) {
      throw new EngineError('BAD_INPUT', `tiles[${i}]: window ${x1 - x0}×${y1 - y0} does not match its result ${t.result.image.width}×${t.result.image.height}`);
    }
  });
}

function dedupe(sel: RasterSelected[]): RasterSelected[] {
  const out: RasterSelected[] = [];
  for (const s of sel.slice().sort((a, b) => b.score - a.score)) {
    if (!out.some((o) => o.tile !== s.tile && maskIoU(o.mask, s.mask) >= 0.5)) out.push(s);
  }
  return sel.filter((s) => out.includes(s));
}

export interface RasterPointOptions extends MorphologyOptions {
  merge?: boolean;
  /** Raster size, for OUT_OF_BOUNDS. */
  rasterSize: { width: number; height: number };
}

export function promptPointsOnTiles(tiles: PromptTile[], points: PointPrompt[], options: RasterPointOptions): RasterPromptResult {
  const t0 = performance.now();
  checkTiles(tiles);
  const { width, height } = options.rasterSize;
  if (!Array.isArray(points) || points.length === 0) throw new EngineError('BAD_INPUT', 'points: got none, expected at least one {x, y, label}');
  points.forEach((p, i) => {
    const x = finite(p?.x, `points[${i}].x`), y = finite(p?.y, `points[${i}].y`);
    if (x < 0 || y < 0 || x >= width || y >= height) {
      throw new EngineError('OUT_OF_BOUNDS', `points[${i}] (${x}, ${y}) is outside the raster: expected 0 ≤ x < ${width} and 0 ≤ y < ${height}`);
    }
  });
  const inTile = (t: PromptTile, p: PointPrompt) => p.x >= t.window[0] && p.x < t.window[2] && p.y >= t.window[1] && p.y < t.window[3];
  const margin = (t: PromptTile, p: PointPrompt) => Math.min(p.x - t.window[0], t.window[2] - p.x, p.y - t.window[1], t.window[3] - p.y);
  const bg = points.filter((p) => (p.label ?? 1) === 0);
  const selected: RasterSelected[] = [];
  const unmatched: RasterPromptResult['unmatched'] = [];
  points.forEach((p, k) => {
    if ((p.label ?? 1) === 0) return;
    // Every tile under the point, the one where it lies deepest first: an object cut by one tile's
    // edge (or missed by one tile's model run) is answered by another overlapping tile.
    const candidates = tiles
      .map((t, i) => ({ t, i }))
      .filter(({ t }) => inTile(t, p))
      .sort((a, b) => margin(b.t, p) - margin(a.t, p));
    let best = -1;
    let r: ReturnType<typeof selectByPoints> | null = null;
    for (const { t, i } of candidates) {
      const local = (q: PointPrompt): PointPrompt => ({ x: q.x - t.window[0], y: q.y - t.window[1], label: q.label ?? 1 });
      const found = selectByPoints(indexFor(t.result), [local(p), ...bg.filter((q) => inTile(t, q)).map(local)]);
      if (found.selected.length > 0) {
        best = i;
        r = found;
        break;
      }
    }
    if (best < 0 || !r) {
      unmatched.push({ type: 'point', index: k });
      return;
    }
    const t = tiles[best];
    for (const s of r.selected) {
      const mask = shift(s.mask, t.window[0], t.window[1]);
      if (selected.some((o) => o.tile === best && o.indices[0] === s.indices[0])) continue;
      selected.push({ ...s, mask, tile: best, prompt: { type: 'point', index: k } });
    }
  });
  let out = dedupe(selected);
  if ((options.merge ?? DEFAULTS.prompts.mergePoints) && out.length > 1) {
    const mask = unionMasks(out.map((s) => s.mask));
    out = [{ indices: out.flatMap((s) => s.indices), mask, area: countPixels(mask), score: Math.min(...out.map((s) => s.score)), prompt: out[0].prompt, tile: out[0].tile }];
  }
  applyMorphology(out as unknown as Selected[], options, options.rasterSize);
  return { selected: out, unmatched, timings: { select: performance.now() - t0 } };
}

export interface RasterBoxOptions extends MorphologyOptions {
  rasterSize: { width: number; height: number };
}

export function promptBoxesOnTiles(tiles: PromptTile[], boxes: Box[], options: RasterBoxOptions): RasterPromptResult {
  const t0 = performance.now();
  checkTiles(tiles);
  const { width, height } = options.rasterSize;
  if (!Array.isArray(boxes) || boxes.length === 0) throw new EngineError('BAD_INPUT', 'boxes: got none, expected at least one [x1, y1, x2, y2]');
  const selected: RasterSelected[] = [];
  const unmatched: RasterPromptResult['unmatched'] = [];
  boxes.forEach((b, k) => {
    if (!Array.isArray(b) || b.length !== 4) throw new EngineError('BAD_INPUT', `boxes[${k}]: got ${JSON.stringify(b)}, expected [x1, y1, x2, y2]`);
    const [x1, y1, x2, y2] = b.map((v, j) => finite(v, `boxes[${k}][${j}]`));
    if (!(x2 > x1 && y2 > y1)) throw new EngineError('BAD_INPUT', `boxes[${k}]: got [${b.join(', ')}], expected x1 < x2 and y1 < y2`);
    const bx0 = Math.max(0, Math.floor(x1)), by0 = Math.max(0, Math.floor(y1));
    const bx1 = Math.min(width, Math.ceil(x2)), by1 = Math.min(height, Math.ceil(y2));
    if (bx1 <= bx0 || by1 <= by0) throw new EngineError('OUT_OF_BOUNDS', `boxes[${k}] [${b.join(', ')}] is outside the raster (0, 0, ${width}, ${height})`);
    const boxArea = (bx1 - bx0) * (by1 - by0);
    let best: { tile: number; det: number; iou: number; score: number } | null = null;
    tiles.forEach((t, ti) => {
      const [wx, wy] = t.window;
      const lx0 = Math.max(0, bx0 - wx), ly0 = Math.max(0, by0 - wy);
      const lx1 = Math.min(t.result.image.width, bx1 - wx), ly1 = Math.min(t.result.image.height, by1 - wy);
      if (lx1 <= lx0 || ly1 <= ly0) return;
      const ix = indexFor(t.result);
      for (const i of masksTouching(ix, lx0, ly0, lx1, ly1)) {
        const inside = maskPixelsIn(ix, i, lx0, ly0, lx1, ly1);
        if (inside === 0) continue;
        const iou = inside / (boxArea + maskArea(ix, i) - inside);
        const score = ix.detections[i].score;
        if (!best || iou > best.iou || (iou === best.iou && score > best.score)) best = { tile: ti, det: i, iou, score };
      }
    });
    if (!best) {
      unmatched.push({ type: 'box', index: k });
      return;
    }
    const { tile, det, iou } = best as { tile: number; det: number; iou: number };
    const t = tiles[tile];
    const d = t.result.detections[det];
    selected.push({ indices: [det], mask: shift(d.mask, t.window[0], t.window[1]), area: maskArea(indexFor(t.result), det), score: iou, prompt: { type: 'box', index: k }, tile });
  });
  applyMorphology(selected as unknown as Selected[], options, options.rasterSize);
  return { selected, unmatched, timings: { select: performance.now() - t0 } };
}

export interface RasterTextOptions extends MorphologyOptions {
  mode?: 'best' | 'all';
  threshold?: number;
  softmax?: boolean;
  logitScale?: number;
  rasterSize: { width: number; height: number };
}

export function promptTextOnTiles(tiles: PromptTile[], textEmbed: Float32Array, options: RasterTextOptions): RasterPromptResult {
  const t0 = performance.now();
  checkTiles(tiles);
  const mode = options.mode ?? 'best';
  if (mode !== 'best' && mode !== 'all') throw new EngineError('BAD_INPUT', `mode: got ${JSON.stringify(mode)}, expected 'best' or 'all'`);
  const threshold = options.threshold ?? DEFAULTS.clip.threshold;
  // All candidates of all tiles in one list, so that softmax normalizes over the whole area.
  const dim = textEmbed.length;
  const owners: { tile: number; det: number }[] = [];
  const rows: Float32Array[] = [];
  tiles.forEach((t, ti) => {
    const e = t.embeddings;
    if (!e) throw new EngineError('BAD_INPUT', `tiles[${ti}] has no CLIP embeddings (embed the tile first)`);
    for (let k = 0; k < e.indices.length; k++) {
      owners.push({ tile: ti, det: e.indices[k] });
      rows.push(e.embeds.subarray(k * e.dim, (k + 1) * e.dim));
    }
  });
  const all = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => {
    if (r.length !== dim) throw new EngineError('BAD_INPUT', `text embedding: got ${dim} dims, expected ${r.length} (image and text models must be a pair)`);
    all.set(r, k * dim);
  });
  const scores = textScores({ indices: Int32Array.from(owners.map((o) => o.det)), embeds: all, dim }, textEmbed, options);
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  const chosen = mode === 'best' ? order.slice(0, 1) : order.filter((k) => scores[k] >= threshold);
  let selected: RasterSelected[] = chosen.map((k) => {
    const { tile, det } = owners[k];
    const t = tiles[tile];
    return {
      indices: [det],
      mask: shift(t.result.detections[det].mask, t.window[0], t.window[1]),
      area: maskArea(indexFor(t.result), det),
      score: scores[k],
      prompt: { type: 'text', index: 0 },
      tile,
    };
  });
  selected = dedupe(selected);
  applyMorphology(selected as unknown as Selected[], options, options.rasterSize);
  const bestScore = order.length ? scores[order[0]] : null;
  return { selected, unmatched: selected.length ? [] : [{ type: 'text', index: 0 }], timings: { select: performance.now() - t0 }, bestScore };
}
