/**
 * Work on a run's outputs done where they were made: a worker session does it in the thread that ran
 * the model, right after the run, while the outputs are still in the cache of the cores that wrote them.
 * The caller asks for it per run (segmodel.ts runModel); a session that does not do it (one on the
 * calling thread, a test's fake) leaves `candidates` unset and the caller does the same work itself
 * (segmodel.ts decodeOutputs), with the same function on the same numbers: the results never differ.
 *
 * Measured (FastSAM-s eq. @1024, one tile, 2 cores): the score filter + NMS took 6–9 ms on the main
 * thread, which read outputs the model's threads had just written on the other core, and 1.0–1.4 ms in
 * the worker thread that ran the model; the cell-major prototypes 8–15 ms on the main thread and 4.5–6 ms
 * in the worker.
 */
import { decodeDetections, gatherCoefficients, segOutputLayout } from './decode.js';
import type { Candidates } from './decode.js';
import { protosByCell } from './masks.js';
import type { OutputTensor } from './session.js';

export interface AfterRun {
  /** Score filter + class-agnostic NMS (model/decode.ts) of a segmentation model's outputs `det` and `proto`. */
  detections?: { det: string; proto: string; conf: number; iou: number; maxDet: number };
  /**
   * With `detections`: the prototypes laid out cell by cell (masks.ts protosByCell) into `buffer` when
   * at least `minDetections` candidates are kept and the buffer is large enough.
   */
  byCell?: { buffer: SharedArrayBuffer; minDetections: number };
  /**
   * With `detections`: once that work is done, the session keeps what the caller no longer needs: the
   * candidates' mask coefficients travel with them (Candidates.coeffs) instead of output `det`, and output
   * `proto` stays where it is when its cell-major copy was written. A worker session then sends back tens
   * of KB instead of the outputs (4.5 MB a tile @640, 11.6 MB @1024), which the calling thread's heap would
   * count as fresh external memory: that count started most of its full collections.
   */
  compact?: boolean;
  /** Set by the session that did it. */
  candidates?: Candidates;
  /** Set (true) by the session that wrote the cell-major prototypes into byCell.buffer. */
  byCellDone?: boolean;
  /** Set by the session that did any of it: milliseconds it took there (decode work, counted as such in the timings). */
  ms?: number;
  /** Set by the session that kept outputs (compact): their names and dims. */
  kept?: Record<string, number[]>;
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
  const layout = det && proto ? segOutputLayout(det.dims, proto.dims) : null;
  if (!layout || !(det.data instanceof Float32Array) || det.data.length < det.dims[1] * det.dims[2]) return undefined;
  return decodeDetections(det.data, layout.anchors, { conf: d.conf, iou: d.iou, maxDet: d.maxDet, numClasses: layout.numClasses });
}

/**
 * Writes the cell-major prototypes into `after.byCell.buffer` when it asks for them and `candidates`
 * (detectionsAfterRun's) are enough; returns whether it did.
 */
export function byCellAfterRun(outputs: Record<string, OutputTensor>, after: AfterRun | undefined, candidates: Candidates | undefined): boolean {
  const b = after?.byCell;
  const d = after?.detections;
  if (!b || !d || !candidates || candidates.scores.length < b.minDetections) return false;
  const proto = outputs[d.proto];
  if (!proto || proto.dims.length !== 4 || !(proto.data instanceof Float32Array)) return false;
  const [, nm, mh, mw] = proto.dims;
  const cells = nm * mh * mw;
  if (!(cells > 0) || proto.data.length < cells || !(b.buffer instanceof SharedArrayBuffer) || b.buffer.byteLength < cells * 4) return false;
  protosByCell(proto.data, { nm, mh, mw }, new Float32Array(b.buffer, 0, cells));
  return true;
}

/**
 * What `after.compact` lets the session keep (after detectionsAfterRun and byCellAfterRun): output `det`
 * once the candidates carry their coefficients (set here), `proto` once its cell-major copy is written.
 * Returns the kept outputs' dims by name, or undefined when nothing is kept.
 */
export function compactAfterRun(outputs: Record<string, OutputTensor>, after: AfterRun | undefined, candidates: Candidates | undefined, byCellDone: boolean): Record<string, number[]> | undefined {
  const d = after?.detections;
  if (!after?.compact || !d || !candidates) return undefined;
  const det = outputs[d.det];
  const proto = outputs[d.proto];
  const layout = segOutputLayout(det.dims, proto.dims);
  if (!layout || !(det.data instanceof Float32Array)) return undefined;
  candidates.coeffs = gatherCoefficients(det.data, layout, candidates.index);
  return { [d.det]: det.dims, ...(byCellDone ? { [d.proto]: proto.dims } : {}) };
}
