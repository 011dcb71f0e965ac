/**
 * Selected masks (raster pixels) → GeoJSON features through the vectorize path: exact pixel-edge
 * tracing (vectorize/trace), then georeferencing, optional simplify/regularize and projection to the
 * output CRS (vectorize/shape with a geo/georef GeoRef). A mask with several parts becomes a
 * MultiPolygon. Properties: id, score, area_m2, prompt, tile, source.
 */
import type { Feature } from '../export/geojson.js';
import type { GeoRef } from '../geo/georef.js';
import { tracePolygons } from '../vectorize/trace.js';
import { shapePolygon, type ShapeOptions } from '../vectorize/shape.js';
import { shapeObjectsWithWalls } from '../vectorize/wall-grid.js';
import type { RasterSelected } from './prompt-tiles.js';

export interface ToFeaturesOptions extends ShapeOptions {
  /** The file name recorded in `source`. */
  source?: string;
  /** A label per prompt type, e.g. {text: 'building'}; default the type. */
  promptLabel?: (s: RasterSelected) => string;
  /** Selected masks that touch keep one exact common wall when simplified / regularized (default true). */
  sharedWalls?: boolean;
}

export function selectionToFeatures(selected: RasterSelected[], geo: GeoRef, options: ToFeaturesOptions = {}): Feature[] {
  const features: Feature[] = [];
  const walls = (options.sharedWalls ?? true) && (options.regularize || (options.simplify ?? 0) > 0)
    ? shapeObjectsWithWalls(selected.filter((s) => s.mask.width > 0 && s.mask.height > 0), geo, options)
    : null;
  let nonEmpty = -1;
  for (const s of selected) {
    const m = s.mask;
    if (m.width === 0 || m.height === 0) continue;
    nonEmpty++;
    const parts = walls?.get(nonEmpty)?.map((x) => x.s) ?? tracePolygons(m.data, m.width, m.height, { offsetX: m.x, offsetY: m.y, setBox: m.setBox })
      .map((p) => shapePolygon(p, geo, options))
      .filter((p): p is NonNullable<typeof p> => p !== null);
    if (parts.length === 0) continue;
    const id = features.length + 1;
    const area = parts.every((p) => p.areaM2 !== null) ? parts.reduce((a, p) => a + (p.areaM2 as number), 0) : null;
    features.push({
      type: 'Feature',
      id,
      geometry: parts.length === 1
        ? { type: 'Polygon', coordinates: parts[0].coordinates }
        : { type: 'MultiPolygon', coordinates: parts.map((p) => p.coordinates) },
      properties: {
        id,
        score: Math.round(s.score * 1e6) / 1e6,
        area_m2: area === null ? null : Math.round(area * 1000) / 1000,
        pixels: s.area,
        prompt: options.promptLabel ? options.promptLabel(s) : s.prompt.type,
        tile: s.tile,
        ...(options.source ? { source: options.source } : {}),
      },
    });
  }
  return features;
}
