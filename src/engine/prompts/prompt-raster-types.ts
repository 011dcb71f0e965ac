/** The prompt given to promptRaster (prompt-raster.ts) and parsed from CLI flags (parse-args.ts). */
import type { Box } from '../types.js';
import type { PointPrompt } from './points.js';

export interface RasterPrompt {
  points?: PointPrompt[];
  /** [minx, miny, maxx, maxy] in `coords`. */
  boxes?: Box[];
  text?: string;
  /** 'pixel' (default), 'native' (the raster's CRS) or a CRS ("EPSG:4326"). */
  coords?: string;
  /** Text: every mask scoring ≥ threshold instead of the best one. */
  threshold?: number;
  /** Points: merge the selected objects into one. */
  merge?: boolean;
  softmax?: boolean;
}
