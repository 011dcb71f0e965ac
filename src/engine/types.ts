/**
 * The plain-data seams between stages. Every stage takes and returns these; nothing here holds a
 * session, a file handle or a DOM object, so results can be cached, serialized and sent over HTTP.
 */

/** An 8-bit interleaved image in memory (row-major, `channels` bytes per pixel: 1 gray, 3 RGB, 4 RGBA). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** Axis-aligned box in pixels, [x1, y1, x2, y2], x2/y2 exclusive edges (Ultralytics xyxy). */
export type Box = [number, number, number, number];

/**
 * A binary mask stored compactly: a bitmap of `width × height` (row-major, one byte per pixel,
 * 0 or 1) whose top-left pixel is at (x, y) of the full image. Pixels outside are 0.
 */
export interface CroppedMask {
  x: number;
  y: number;
  width: number;
  height: number;
  data: Uint8Array;
  /**
   * Where the producer knows it (the decode does): the box [x0, y0, x1, y1) of the set pixels in the
   * bitmap's own coordinates (0 ≤ x0 ≤ x1 ≤ width), [0, 0, 0, 0] when none is set. The tracer and the
   * wall search then skip the empty margin instead of scanning it. Moving the mask (x, y) keeps it
   * valid; a new bitmap must not copy it.
   */
  setBox?: Box;
}

export interface Detection {
  /** xyxy in original image pixels (floats, as the model predicts them). */
  box: Box;
  score: number;
  classId: number;
  /** The mask in original image pixels, cropped to its box. */
  mask: CroppedMask;
  /** Number of mask pixels. */
  area: number;
}

/** Milliseconds per stage (Ultralytics predictor stages). */
export interface StageTimings {
  preprocess: number;
  inference: number;
  postprocess: number;
  [stage: string]: number;
}

export interface ModelInfo {
  /** File name or label of the model. */
  name: string;
  /** Model input size used for this run [height, width]. */
  inputSize: [number, number];
  numClasses: number;
  numMaskCoeffs: number;
  /** The execution provider that actually ran the model ('cpu', 'webgpu', ...). */
  device: string;
  /** Class names from the Ultralytics metadata when present. */
  classNames?: string[];
}

/** The result of everything-mode segmentation of one image or tile. */
export interface SegmentResult {
  image: { width: number; height: number };
  model: ModelInfo;
  timings: StageTimings;
  detections: Detection[];
}
