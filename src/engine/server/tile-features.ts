/**
 * One tile's everything-mode result → GeoJSON features (each detection a polygon), for the map:
 * - partial results of a running job (`keep: 'core'`): a detection is kept only by the tile where its
 *   centre lies deepest among the job's tiles, so overlapping tiles do not draw an object twice;
 * - the cached tile objects a map answers point prompts from (`keep: 'all'`): every detection, with
 *   its pixel count (`pixels`) and tile index (`tile`), so the client applies the engine's point rule
 *   (prompts/prompt-tiles: the deepest tile under the point, the smallest mask containing it).
 * Vectorized through prompts/to-features (exact tracing, georeferencing, simplify/regularize).
 */
import path from 'node:path';
import { DEFAULTS } from '../config.js';
import type { GeoRef } from '../geo/georef.js';
import type { Tile } from '../raster/tiling.js';
import type { RasterSelected } from '../prompts/prompt-tiles.js';
import { selectionToFeatures } from '../prompts/to-features.js';
import type { SegmentResult } from '../types.js';
import type { Feature, SegmentOptions } from './backend.js';

/** How far a pixel point lies inside a window (negative: outside). */
export function depthIn(w: readonly number[], x: number, y: number): number {
  return Math.min(x - w[0], w[2] - x, y - w[1], w[3] - y);
}

/** The tile of `tiles` where (x, y) lies deepest (ties: the lower index); null when in none. */
export function deepestTile(tiles: readonly Tile[], x: number, y: number): Tile | null {
  let best: Tile | null = null;
  let depth = -Infinity;
  for (const t of tiles) {
    const d = depthIn(t.window, x, y);
    if (d < 0) continue;
    if (d > depth || (d === depth && best !== null && t.index < best.index)) {
      best = t;
      depth = d;
    }
  }
  return best;
}

export interface TileFeatureOptions {
  /** 'core': only detections whose centre lies deepest in this tile among `tiles`; 'all': every one. */
  keep: 'core' | 'all';
  /** The tiles competing for a detection (keep 'core'). */
  tiles?: readonly Tile[];
  source: string;
  options?: SegmentOptions;
}

/** A tile's detections as features in the GeoRef's output CRS (properties: score, pixels, tile, prompt 'everything'). */
export function tileFeatures(tile: Tile, result: SegmentResult, geo: GeoRef, o: TileFeatureOptions): Feature[] {
  const [x0, y0] = tile.window;
  const selected: RasterSelected[] = [];
  result.detections.forEach((d, i) => {
    const m = d.mask;
    if (m.width === 0 || m.height === 0) return;
    const mask = { ...m, x: m.x + x0, y: m.y + y0 };
    if (o.keep === 'core') {
      const cx = mask.x + mask.width / 2;
      const cy = mask.y + mask.height / 2;
      // compared by window: the pipeline numbers its tiles within its own window, not on the global grid
      const w = deepestTile(o.tiles ?? [tile], cx, cy)?.window;
      if (!w || w.some((v, k) => v !== tile.window[k])) return;
    }
    selected.push({ indices: [i], mask, area: d.area, score: d.score, prompt: { type: 'point', index: 0 }, tile: tile.index });
  });
  const s = o.options ?? {};
  return selectionToFeatures(selected, geo, {
    source: path.basename(o.source),
    simplify: s.simplify ?? DEFAULTS.extract.simplify,
    regularize: s.regularize ?? DEFAULTS.extract.regularize,
    sharedWalls: s.sharedWalls ?? DEFAULTS.extract.sharedWalls,
    minArea: o.keep === 'core' ? s.minArea ?? 0 : 0,
    promptLabel: () => 'everything',
  }) as unknown as Feature[];
}

/** A tile's window as a polygon feature in the GeoRef's output CRS (properties.tile = its index). */
export function tileWindowFeature(tile: Tile, geo: GeoRef): Feature {
  const [a, b, c, d] = tile.window;
  const ring = [a, b, c, b, c, d, a, d, a, b];
  const out = geo.workToOutput(geo.pixelToWork(ring));
  const coords: number[][] = [];
  for (let i = 0; i < out.length; i += 2) coords.push([out[i], out[i + 1]]);
  return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [coords] }, properties: { tile: tile.index } };
}
