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
  /**
   * Intra-op threads of every ONNX Runtime session (CLI, server, workers, bench). 0 = one per core
   * (os.availableParallelism()); $FASTSAM_GEO_THREADS, `--threads N` and the server's `threads` override it.
   * (onnxruntime-node's own default is its count of *physical* cores: 1 on a 2-vCPU VM, 1.5–1.8× slower.)
   */
  threads: 0,
  /** Raster tiling (issue 3). */
  tiling: {
    overlap: 128,
  },
  /** `extract` (issue 3): raster → building polygons. */
  extract: {
    /** Percentile stretch of non-uint8 rasters (uint8 is used as is). */
    percentiles: [2, 98] as [number, number],
    /** Right-angled outlines on each building's dominant orientation. */
    regularize: true,
    /** Buildings whose masks touch (or are one pixel apart) keep one exact common wall. */
    sharedWalls: true,
    /** Douglas-Peucker tolerance in metres (0: none beyond what regularization does). */
    simplify: 0,
    /** Buildings smaller than this (m²) are dropped; 0 = off. */
    minArea: 10,
    /** Buildings larger than this (m²) are dropped; 0 = off. */
    maxArea: 0,
    /** Same object across tiles when the masks agree at IoU ≥ this inside the shared window. */
    seamIoU: 0.5,
  },
  /** HTTP server (issue 5): `fastsam-geo serve`. */
  server: {
    /** Largest request body in bytes (an export carries a whole layer): 64 MiB. */
    bodyLimit: 64 * 1024 * 1024,
    /** Segmentation jobs run at the same time (a model run already uses every core). */
    concurrency: 1,
    /** Finished jobs kept for polling and results. */
    keepJobs: 50,
    /** URL prefixes of COGs that GET /api/raster?url= may open; none: URLs are refused (FORBIDDEN). */
    allowUrls: [] as readonly string[],
    /** Time a client has to send a whole request (headers and body); a trickled body is cut (408). */
    requestTimeoutMs: 60_000,
  },
  /** CLIP text prompts (issue 4). */
  clip: {
    /** clip.tokenize context length. */
    contextLength: 77,
    /** CLIP input resolution (ViT-B/32: 224). */
    imageSize: 224,
    /** OpenAI CLIP normalization. */
    mean: [0.48145466, 0.4578275, 0.40821073],
    std: [0.26862954, 0.26130258, 0.27577711],
    /** Masks smaller than this (pixels) are not scored. */
    minArea: 100,
    /** Crops per vision-encoder run. */
    batchSize: 16,
    /** CLIP's logit scale for the optional softmax over candidates. */
    logitScale: 100,
    /** Minimum score for "all matches" text selection (cosine; ViT-B/32 matches are ~0.25–0.35). */
    threshold: 0.25,
  },
  /** Tile-result and CLIP-embedding caches (issue 4). */
  cache: {
    /** Memory bound of the per-tile everything-mode results. */
    tileMemoryBytes: 512 * 1024 * 1024,
    /** Memory bound of the CLIP crop embeddings. */
    embeddingMemoryBytes: 64 * 1024 * 1024,
    /** Disk bound of the per-tile result store (resume, queue workers); least recently used rasters' tiles go first. */
    resultStoreBytes: 20 * 1024 * 1024 * 1024,
  },
  /** Point / box prompts (issue 4). */
  prompts: {
    /** Merge the masks selected by several foreground points into one object. */
    mergePoints: false,
    /** Morphological close/open radius in pixels applied to selected masks (0 = off). */
    closeRadius: 0,
    openRadius: 0,
  },
} as const;

/**
 * The intra-op thread count a session gets: `requested` when given (> 0), else $FASTSAM_GEO_THREADS, else
 * DEFAULTS.threads, where 0 means the machine's cores (os.availableParallelism()).
 */
export function intraOpThreads(requested?: number): number {
  if (requested !== undefined && requested > 0) return requested;
  const env = Number(process.env.FASTSAM_GEO_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return DEFAULTS.threads > 0 ? DEFAULTS.threads : os.availableParallelism();
}

/**
 * Where model files live when no --model is given: $FASTSAM_GEO_MODELS, else ~/.cache/fastsam-geo/models.
 */
export function modelsDir(): string {
  return process.env.FASTSAM_GEO_MODELS || path.join(os.homedir(), '.cache', 'fastsam-geo', 'models');
}

/**
 * Where cached tile results and CLIP embeddings live: $FASTSAM_GEO_CACHE, else ~/.cache/fastsam-geo/cache.
 */
export function cacheDir(): string {
  return process.env.FASTSAM_GEO_CACHE || path.join(os.homedir(), '.cache', 'fastsam-geo', 'cache');
}

/**
 * The per-tile result store (resume after a crash; shared by queue workers): $FASTSAM_GEO_RESULTS, else
 * <cacheDir()>/results. For workers on several machines, point it at shared storage.
 */
export function resultsDir(): string {
  return process.env.FASTSAM_GEO_RESULTS || path.join(cacheDir(), 'results');
}
