/**
 * Regularization that keeps shared walls. Buildings that touch in a label grid (two labels with a
 * common pixel edge) are regularized on the planar partition of the grid (vectorize/partition) rather
 * than one by one: every boundary chain (a wall between two buildings, or a building's outline against
 * the background, between junctions) is simplified and snapped once, and both buildings take the
 * identical vertex sequence, so a wall never opens into a gap or an overlap.
 *
 * How: touching buildings whose dominant orientations (regularize.ts's dominantAngle) agree within
 * `maxAngleDiff` form a group with one common orientation (the minimum-area rectangle of the whole
 * group), so a terraced row is squared on one grid. In that frame each chain becomes runs along the two axes (wall-geometry's
 * chainRuns); the runs that end at one junction on the same axis are made one line (so a row's facades
 * line up across the walls and a wall meets them at right angles), and a junction sits where its lines
 * cross. Each building is then checked as regularize.ts checks one: right angles everywhere, area
 * within `maxAreaChange`, IoU ≥ `minIoU` with its traced outline, and no chain crossing another. A
 * building that fails is not regularized (`regularized: false`): its own outline falls back to the
 * simplified pixel outline, while walls it shares with a regularized neighbour keep the neighbour's
 * snapped wall, so the walls stay shared. The solve repeats until every regularized building passes.
 * Buildings without a wall go through shape.ts exactly as before. The solve itself: wall-solve.ts.
 */
import type { GeoRef } from '../geo/georef.js';
import { buildPartition } from './partition.js';
import { orientRightHand, polygonArea, toPositions } from './rings.js';
import { shapePolygon } from './shape.js';
import type { ShapeOptions, Shaped } from './shape.js';
import { traceComponents } from './trace.js';
import type { TracedPolygon } from './trace.js';
import { solveWalls } from './wall-solve.js';

export interface SharedWallOptions extends ShapeOptions {
  /** Keep walls shared between touching labels when simplifying / regularizing. Default true. */
  sharedWalls?: boolean;
  /** Grid position in pixels (a cropped window's origin). Default 0. */
  offsetX?: number;
  offsetY?: number;
  /** Touching buildings share one orientation when theirs differ by at most this (degrees). Default 10. */
  maxAngleDiff?: number;
  /**
   * The outlines the limits are checked against (reference[k] for label k + 1, pixel rings), when the
   * grid was changed before (closeWallGaps): the mask's own outlines. Default: the grid's.
   */
  reference?: TracedPolygon[];
  /** Regularization limits, as regularize.ts. Defaults 0.1 and 0.85. */
  maxAreaChange?: number;
  minIoU?: number;
}

export interface LabelShapes {
  /** traced[k] is label k + 1 (pixel rings). */
  traced: TracedPolygon[];
  /** shaped[k] is label k + 1; null when the area filter dropped it. */
  shaped: (Shaped | null)[];
  /** Labels that share at least one wall with another label (after the area filter). */
  walled: Set<number>;
}

/**
 * Shapes every label of a label grid (0 = background, 1..count, each 4-connected: trace.ts's
 * labelComponents) as shapePolygon does, keeping shared walls shared when `sharedWalls` is on.
 */
export function shapeLabelGrid(labels: Int32Array, count: number, width: number, height: number, geo: GeoRef, options: SharedWallOptions = {}): LabelShapes {
  const ox = options.offsetX ?? 0;
  const oy = options.offsetY ?? 0;
  const traced = traceComponents(labels, count, width, height, { offsetX: ox, offsetY: oy });
  const shaped: (Shaped | null)[] = new Array(count).fill(null);
  const walled = new Set<number>();
  const changes = options.regularize || (options.simplify ?? 0) > 0;
  if (!(options.sharedWalls ?? true) || !changes) {
    for (let k = 0; k < count; k++) shaped[k] = shapePolygon(traced[k], geo, options);
    return { traced, shaped, walled };
  }
  // The area filter first, on the exact outlines, so that a dropped label does not hold a wall.
  const m = geo.workToMeters ?? 1;
  const exact: Float64Array[][] = (options.reference ?? traced).map((t) => t.rings.map((r) => geo.pixelToWork(r)));
  const filterArea = (k: number): number => polygonArea(exact[k]) * (geo.workToMeters ? m * m : 1);
  const keep = new Uint8Array(count + 1);
  let dropped = false;
  for (let k = 0; k < count; k++) {
    const a = filterArea(k);
    const tooSmall = (options.minArea ?? 0) > 0 && a < options.minArea!;
    const tooLarge = options.maxArea !== undefined && options.maxArea > 0 && Number.isFinite(options.maxArea) && a > options.maxArea;
    keep[k + 1] = tooSmall || tooLarge ? 0 : 1;
    if (!keep[k + 1]) dropped = true;
  }
  let grid = labels;
  if (dropped) {
    grid = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) if (keep[labels[i]]) grid[i] = labels[i];
  }
  const part = buildPartition(grid, count, width, height, ox, oy);
  for (const c of part.chains) {
    if (c.left > 0 && c.right > 0) {
      walled.add(c.left);
      walled.add(c.right);
    }
  }
  for (let k = 0; k < count; k++) {
    if (!keep[k + 1] || walled.has(k + 1)) continue;
    shaped[k] = shapePolygon(traced[k], geo, options);
  }
  if (walled.size > 0) {
    const rings = solveWalls(part, walled, exact, geo, options);
    const decimals = options.decimals ?? (geo.output === 'wgs84' || geo.outputCrs?.geographic ? 9 : 3);
    for (const [L, r] of rings) {
      const areaWork = polygonArea(r.rings);
      const out = orientRightHand(r.rings.map((ring) => geo.workToOutput(ring)));
      shaped[L - 1] = {
        coordinates: out.map((ring) => toPositions(ring, decimals)),
        areaM2: geo.workToMeters ? areaWork * m * m : null,
        areaWork,
        regularized: r.regularized,
      };
    }
  }
  return { traced, shaped, walled };
}

