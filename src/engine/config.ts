/**
 * Engine defaults, in one place. Every stage fills its options from here once; the JupyterLab
 * settings (schema/plugin.json) and the CLI flags override them.
 */
import os from 'node:os';
import path from 'node:path';

export const DEFAULTS = {
  /** FastSAM's defaults (Ultralytics FastSAM predictor): imgsz 1024, conf 0.4, iou 0.9, retina masks. */
  segment: {
    imgsz: 1024,
    conf: 0.4,
    iou: 0.9,
    maxDet: 300,
    retinaMasks: true,
  },
  /** Execution provider: 'cpu' | 'webgpu' | 'cuda' | 'tensorrt'; a trailing '!' means strict (no fallback). */
  device: 'cpu',
  /** Raster tiling (issue 3). */
  tiling: {
    overlap: 128,
  },
  /** HTTP server (issue 5): `fastsam-geo serve`. */
  server: {
    /** Largest request body in bytes (an export carries a whole layer): 64 MiB. */
    bodyLimit: 64 * 1024 * 1024,
    /** Segmentation jobs run at the same time (a model run already uses every core). */
    concurrency: 1,
    /** Finished jobs kept for polling and results. */
    keepJobs: 50,
  },
} as const;

/**
 * Where model files live when no --model is given: $FASTSAM_GEO_MODELS, else ~/.cache/fastsam-geo/models.
 */
export function modelsDir(): string {
  return process.env.FASTSAM_GEO_MODELS || path.join(os.homedir(), '.cache', 'fastsam-geo', 'models');
}
