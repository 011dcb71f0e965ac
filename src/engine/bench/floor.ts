/**
 * The floor: a bare `session.run` on one preprocessed tile, nothing before or after it. Whatever our
 * everything-mode path adds on top of this is overhead (see end-to-end.ts).
 */
import { performance } from 'node:perf_hooks';
import { letterbox } from '../model/letterbox.js';
import type { SegModel } from '../model/segmodel.js';
import type { RawImage } from '../types.js';

/** Prepares the input once; the returned function runs the session once and resolves to its ms. */
export function bareRun(model: SegModel, image: RawImage, imgsz: number): () => Promise<number> {
  const { tensor } = letterbox(image, imgsz, imgsz);
  const feeds = { [model.inputName]: { data: tensor, dims: [1, 3, imgsz, imgsz] } };
  return async () => {
    const t0 = performance.now();
    await model.session.run(feeds);
    return performance.now() - t0;
  };
}

/**
 * The model alone in its session's own thread (a worker session): `session.run` on an input prepared
 * once, moved to the worker and handed back each run (as the pipeline's input is), with no decode work
 * asked after the run (model/after-run.ts) and no bench replacement of the outputs.
 */
export function modelOnlyRun(model: SegModel, image: RawImage, imgsz: number): () => Promise<void> {
  const feed = { data: letterbox(image, imgsz, imgsz).tensor, dims: [1, 3, imgsz, imgsz], transfer: true };
  return async () => {
    await model.session.run({ [model.inputName]: feed });
  };
}
