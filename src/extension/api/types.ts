// Shapes of the engine's HTTP API (the contract in the team notes; the server implements it).

export interface RasterInfo {
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
  overviews: { width: number; height: number }[];
  stretch: [number, number][];
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobState {
  id: string;
  status: JobStatus;
  done: number;
  total: number;
  error?: { code: string; message: string };
}

/** An extent in WGS84, or in raster pixels (x right, y down) for a raster without georeferencing. */
export interface Extent84 {
  bbox: [number, number, number, number];
  crs: 'EPSG:4326' | 'pixel';
}

export interface PromptPoint {
  x: number;
  y: number;
  label: 0 | 1;
}

export interface PromptRequest {
  path: string;
  extent?: Extent84;
  crs?: 'EPSG:4326' | 'pixel';
  points?: PromptPoint[];
  boxes?: [number, number, number, number][];
  text?: string;
  threshold?: number;
  options?: EngineOptions;
}

/** Per-request segmentation options the engine accepts (its segmentOptionsSchema). */
export interface EngineOptions {
  conf?: number;
  iou?: number;
  imgsz?: number;
  maxDet?: number;
  tileSize?: number;
  overlap?: number;
  minArea?: number;
  /** Douglas-Peucker tolerance in metres. */
  simplify?: number;
  /** Right-angled outlines. */
  regularize?: boolean;
  /** Touching buildings keep one exact common wall. */
  sharedWalls?: boolean;
}

export interface GeoJsonFeature {
  type: 'Feature';
  id?: string | number;
  geometry: { type: string; coordinates: unknown } | null;
  properties: Record<string, unknown> | null;
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: GeoJsonFeature[];
}

/** POST /api/tiles: every object of the area's finished tiles (properties tile, pixels, score), the tiles' windows (properties.tile). */
export interface TileObjects {
  objects: FeatureCollection;
  tiles: FeatureCollection;
  /** Tiles of the area not finished (not segmented yet). */
  missing: number;
  /** Finished tiles left for another request. */
  more: number;
}
