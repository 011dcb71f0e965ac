// Identifiers and the settings shape shared by the extension's files.
import type { EngineOptions } from './api/types.js';

export const PLUGIN_ID = 'fastsam-geo:plugin';
export const FACTORY = 'FastSAM map';
export const MODEL_NAME = 'fastsam-geo-file';
export const GEOJSON_MIME = 'application/geo+json';

export const CommandIds = {
  open: 'fastsam-geo:open',
  toolPan: 'fastsam-geo:tool-pan',
  toolPoint: 'fastsam-geo:tool-point',
  toolBox: 'fastsam-geo:tool-box',
  focusText: 'fastsam-geo:focus-text',
  everything: 'fastsam-geo:everything-in-view',
  cancel: 'fastsam-geo:cancel-job',
  undo: 'fastsam-geo:undo',
  redo: 'fastsam-geo:redo',
  addVectorLayer: 'fastsam-geo:add-vector-layer',
  closePopup: 'fastsam-geo:close-popup',
  deleteSelected: 'fastsam-geo:delete-selected',
  exportLayer: 'fastsam-geo:export-layer',
  downloadLayer: 'fastsam-geo:download-layer',
  fit: 'fastsam-geo:fit',
  autoStretch: 'fastsam-geo:auto-stretch'
} as const;

export interface GeoSettings {
  conf: number;
  iou: number;
  /** null: the model's own input size (the engine decides). */
  tileSize: number | null;
  tileOverlap: number;
  /** Everything in view asks before a job of more tiles than this (0: never). */
  confirmTiles: number;
  /** Douglas-Peucker tolerance in metres (0: none beyond regularization). */
  simplify: number;
  /** Right-angled outlines. */
  regularize: boolean;
  /** Touching buildings keep one exact common wall. */
  sharedWalls: boolean;
  textThreshold: number;
  /** false: one accumulating output layer; true: a layer per prompt run / job. */
  layerPerRun: boolean;
  basemapUrl: string;
  basemapAttribution: string;
  styles: { strokeWidth: number; fillOpacity: number; pointRadius: number };
}

export const DEFAULT_SETTINGS: GeoSettings = {
  conf: 0.4,
  iou: 0.9,
  tileSize: null,
  tileOverlap: 128,
  confirmTiles: 400,
  simplify: 0,
  regularize: true,
  sharedWalls: true,
  textThreshold: 0.2,
  layerPerRun: false,
  basemapUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  basemapAttribution: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  styles: { strokeWidth: 2, fillOpacity: 0.25, pointRadius: 6 }
};

/**
 * Per-request engine options from the settings (the fields the engine's HTTP API accepts). The model
 * files and device are the engine's start-up configuration: c.FastSamGeo.model / clip_vision /
 * clip_text / device in the Jupyter server config.
 */
export function engineOptions(s: GeoSettings): EngineOptions {
  // tileSize only when set: a fixed-size model accepts only its own size, and the engine picks it.
  return {
    conf: s.conf,
    iou: s.iou,
    ...(typeof s.tileSize === 'number' ? { tileSize: s.tileSize } : {}),
    overlap: s.tileOverlap,
    simplify: s.simplify,
    regularize: s.regularize,
    sharedWalls: s.sharedWalls
  };
}
