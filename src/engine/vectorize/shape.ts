/**
 * One traced polygon (pixel rings) → an output geometry: georeference into the metric working frame,
 * simplify (tolerance in metres), regularize (optional), filter by area (m²), project to the output CRS
 * and orient rings by the right-hand rule. Returns null when the area filter drops it.
 */
import type { GeoRef } from '../geo/georef.js';
import { regularizePolygon } from './regularize.js';
import { simplifyRing } from './simplify.js';
import { orientRightHand, polygonArea, toPositions } from './rings.js';
import { tracePolygons } from './trace.js';
import type { TracedPolygon } from './trace.js';
import type { CroppedMask } from '../types.js';

export interface ShapeOptions {
  /** Douglas–Peucker tolerance in metres (pixels without georeferencing); 0 = exact pixel edges. */
  simplify?: number;
  /** Right-angled outlines on the building's dominant orientation. */
  regularize?: boolean;
  /** Area filter in m² (pixels without georeferencing); 0 / Infinity = off. */
  minArea?: number;
  maxArea?: number;
  /** Coordinate decimals in the output (default 9 for degrees, 3 otherwise). */
  decimals?: number;
}

export interface Shaped {
  coordinates: number[][][];
  /** Area in m², or null when the frame has no metric units. */
  areaM2: number | null;
  /** Area in the working frame's units squared (pixels without georeferencing). */
  areaWork: number;
  regularized: boolean;
}

export function shapePolygon(poly: TracedPolygon, geo: GeoRef, options: ShapeOptions = {}): Shaped | null {
  const m = geo.workToMeters ?? 1;
  let rings = poly.rings.map((r) => geo.pixelToWork(r));
  const exactArea = polygonArea(rings);
  const areaM2Of = (a: number): number | null => (geo.workToMeters ? a * m * m : null);
  const filterArea = geo.workToMeters ? exactArea * m * m : exactArea;
  if ((options.minArea ?? 0) > 0 && filterArea < options.minArea!) return null;
  if (options.maxArea !== undefined && options.maxArea > 0 && Number.isFinite(options.maxArea) && filterArea > options.maxArea) return null;
  let regularized = false;
  if (options.regularize) {
    const r = regularizePolygon(rings, { tolerance: Math.max(options.simplify ? options.simplify / m : 0, 1.5 * geo.workPixelSize), outline: true });
    rings = r.rings;
    regularized = r.regularized;
  } else if ((options.simplify ?? 0) > 0) {
    rings = rings.map((r) => simplifyRing(r, options.simplify! / m));
  }
  const areaWork = polygonArea(rings);
  const out = orientRightHand(rings.map((r) => geo.workToOutput(r)));
  const decimals = options.decimals ?? (geo.output === 'wgs84' || geo.outputCrs?.geographic ? 9 : 3);
  return { coordinates: out.map((r) => toPositions(r, decimals)), areaM2: areaM2Of(areaWork), areaWork, regularized };
}

/** A traced polygon and its shape (what one object's outline becomes). */
export interface ShapedPart {
  p: TracedPolygon;
  s: Shaped;
}

/** One object's mask (its own pixels, at its place in the raster) → its shaped polygons (the area filter applied). */
export function shapeMask(mask: CroppedMask, geo: GeoRef, options: ShapeOptions = {}): ShapedPart[] {
  const out: ShapedPart[] = [];
  for (const p of tracePolygons(mask.data, mask.width, mask.height, { offsetX: mask.x, offsetY: mask.y, setBox: mask.setBox })) {
    const s = shapePolygon(p, geo, options);
    if (s) out.push({ p, s });
  }
  return out;
}
