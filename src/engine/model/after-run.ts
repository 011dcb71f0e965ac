/**
 * Work on a run's outputs done where they were made: a worker session does it in the thread that ran
 * the model, right after the run, while the outputs are still in the cache of the cores that wrote them.
 * The caller asks for it per run (segmodel.ts runModel); a session that does not do it (one on the
 * calling thread, a test's fake) leaves `candidates` unset and the caller does the same work itself
 * (segmodel.ts decodeOutputs), with the same function on the same numbers: the results never differ.
 *
 * Measured (FastSAM-s eq. @1024, one tile, 2 cores): the score filter + NMS took 6–9 ms on the main
 * thread, which read outputs the model's threads had just written on the other core, and 1.0–1.4 ms in
 * the worker thread that ran the model.
 */
import { decodeDetections } from './decode.js';
import type { Candidates } from './decode.js';
import type { OutputTensor } from './session.js';

export interface AfterRun {
  /** Score filter + class-agnostic NMS (model/decode.ts) of a segmentation model's outputs `det` and `proto`. */
  detections?: { det: string; proto: string; conf: number; iou: number; maxDet: number };
  /** Set by the session that did it. */
  candidates?: Candidates;
}

/**
 * The candidates `after.detections` asks for, or undefined when it asks nothing or the outputs are not
 * a segmentation model's (the caller then finds and reports that itself).
 */
export function detectionsAfterRun(outputs: Record<string, OutputTensor>, after: AfterRun | undefined): Candidates | undefined {
  const d = after?.detections;
  if (!d) return undefined;
  const det = outputs[d.det];
  const proto = outputs[d.proto];
  if (!det || !proto || det.dims.length !== 3 || proto.dims.length !== 4 || !(det.data instanceof Float32Array)) return undefined;
  const numClasses = det.dims[1] - 4 - proto.dims[1];
  if (!(numClasses >= 1) || det.data.length < det.dims[1] * det.dims[2]) return undefined;
  return decodeDetections(det.data, det.dims[2], { conf: d.conf, iou: d.iou, maxDet: d.maxDet, numClasses });
}
