/**
 * What the HTTP routes need from the engine. The server is written against this interface; the one
 * implementation that ships (engine-backend.ts) calls the real engine stages (raster/, pipeline/,
 * prompts/, models/). Paths given to a backend are absolute and already confined to the served root.
 */
import type { ErrorCode } from '../errors.js';
import type { JobContext } from './jobs.js';

export interface Feature {
  type: 'Feature';
  geometry: { type: string; coordinates: unknown } | null;
  properties: Record<string, unknown> | null;
  id?: string | number;
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Feature[];
  [key: string]: unknown;
}

export interface RasterInfo {
  /** The path (relative to the root) or the URL, as the client gave it. */
  path: string;
  width: number;
  height: number;
  bands: number;
  dtype: string;
  crs: string | null;
  bounds: [number, number, number, number];
  bounds_wgs84: [number, number, number, number] | null;
  resolution: [number, number];
  nodata: number | null;
  overviews: Array<{ width: number; height: number }>;
  stretch: Array<[number, number]>;
}

export interface ModelEntry {
  name: string;
  kind: string;
  path: string;
  present: boolean;
}

export interface Extent {
  bbox: [number, number, number, number];
  crs: string;
}

/** Segmentation options a client may set on a job (the rest come from config DEFAULTS). */
export interface SegmentOptions {
  conf?: number;
  iou?: number;
  imgsz?: number;
  maxDet?: number;
  tileSize?: number;
  overlap?: number;
  /** Buildings smaller than this (m²) are dropped. */
  minArea?: number;
  /** Douglas–Peucker tolerance in metres. */
  simplify?: number;
  /** Right-angled outlines (default true for jobs and prompts). */
  regularize?: boolean;
  /** Touching buildings keep one exact common wall when regularized (default true). */
  sharedWalls?: boolean;
}

export interface SegmentRequest {
  /** Absolute path inside the root. */
  path: string;
  /** The same path as the client gave it (relative to the root), for messages and properties. */
  rel: string;
  extent?: Extent;
  options?: SegmentOptions;
}

export interface PromptRequest extends SegmentRequest {
  crs?: string;
  points?: Array<{ x: number; y: number; label: 0 | 1 }>;
  boxes?: Array<[number, number, number, number]>;
  text?: string;
  threshold?: number;
}

/** POST /api/tiles: the finished tiles of an area. */
export interface TilesRequest extends SegmentRequest {
  /** Global tile indices the client holds already. */
  skip?: number[];
}

/**
 * The objects of an area's finished tiles (cache and result store only: no model run): every
 * detection as a feature (properties tile, pixels, score), the tiles' windows as polygons
 * (properties.tile), how many tiles of the area are not finished, and how many were left for a next request.
 */
export interface TileObjects {
  objects: FeatureCollection;
  tiles: FeatureCollection;
  missing: number;
  more: number;
}

export interface EngineBackend {
  version(): string;
  /** The execution provider asked for and the one actually in use (null before a model is loaded). */
  device(): { requested: string; active: string | null };
  models(): Promise<ModelEntry[]>;
  /** Cache figures for /api/health (optional). */
  stats?(): Record<string, unknown>;
  /** Metadata of an absolute path inside the root, or of a URL already checked against the allowed prefixes. */
  /** `open.checkUrl`: called on every redirect hop of a URL (the allow-list). */
  raster(path: string, rel: string, signal?: AbortSignal, open?: { checkUrl?: (url: string) => void }): Promise<RasterInfo>;
  /** How many tiles a segment request will run (for the job's `total` before it starts). */
  countTiles(request: SegmentRequest, signal?: AbortSignal): Promise<number>;
  /** Segments the area, filling the per-tile cache; GeoJSON in WGS84. */
  segment(request: SegmentRequest, ctx: JobContext): Promise<FeatureCollection>;
  /** Selects buildings with prompts, from cached tiles (segmenting the missing ones first). */
  prompt(request: PromptRequest, signal?: AbortSignal): Promise<FeatureCollection>;
  /** The objects of the finished tiles of an area, for answering point prompts in the client (optional). */
  tileObjects?(request: TilesRequest, signal?: AbortSignal): Promise<TileObjects>;
  /** Loads the segmentation model now (so `serve --model BAD` fails at start, not at the first request). */
  warm?(): Promise<void>;
  close(): Promise<void>;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
