/**
 * `fastsam-geo segment IMAGE --model M.onnx --out result.json [--overlay out.png]`: FastSAM
 * everything mode on one image. The JSON (documented in the README, section cli) is:
 *   {image: {path, width, height}, model: {name, path, inputSize, numClasses, device, classNames?},
 *    params: {conf, iou, maxDet, imgsz}, timings: {preprocess, inference, postprocess, ...} (ms),
 *    detections: [{box: [x1, y1, x2, y2], score, class, area, mask: {size: [H, W], counts}}]}
 * boxes in original image pixels; masks as COCO RLE (pycocotools' compressed string; --rle plain
 * for the list of run lengths), column-major, in original image coordinates. Files are written
 * atomically, and only after everything succeeded.
 */
import path from 'node:path';
import { DEFAULTS } from '../config.js';
import { EngineError } from '../errors.js';
import { maskToCocoRle } from '../export/rle.js';
import { encodePng, readImage } from '../image/io.js';
import { drawOverlay } from '../image/overlay.js';
import { parseDevice } from '../model/session.js';
import { loadSegModel, segmentImage } from '../model/segmodel.js';
import { ensureSegModel } from '../models/ensure.js';
import { writeOutput } from '../util/output-path.js';
import { checkCliOutput } from './geo-args.js';
import type { Command } from './command.js';
import { parseCommand } from './command.js';

const HELP = `usage: fastsam-geo segment IMAGE --out RESULT.json [options]

Segments everything in a PNG/JPEG/TIFF image with a FastSAM (or any Ultralytics segmentation) ONNX
model and writes boxes, scores, classes and COCO RLE masks as JSON.

options:
  -m, --model M       ONNX file, or a known model name (default FastSAM-s from the models directory;
                      see \`fastsam-geo models list\`)
  -o, --out FILE      JSON result to write (atomically)
  --overlay FILE      also write a PNG with the masks and boxes drawn over the image
  --conf C            confidence threshold (default ${DEFAULTS.segment.conf})
  --iou I             NMS IoU threshold (default ${DEFAULTS.segment.iou})
  --imgsz N           model input size (default: the model's fixed size, else ${DEFAULTS.segment.imgsz})
  --max-det N         most detections (default ${DEFAULTS.segment.maxDet})
  --device D          cpu | webgpu | cuda | tensorrt (default ${DEFAULTS.device}); a trailing '!' fails
                      instead of falling back to cpu
  --threads N         model intra-op threads (default: one per core, or $FASTSAM_GEO_THREADS)
  --rle plain         masks as plain run-length lists instead of pycocotools' compressed strings
  -q, --quiet         no summary on stderr
`;

function num(name: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new EngineError('BAD_INPUT', `--${name}: got '${v}', expected ${integer ? 'an integer' : 'a number'}`);
  }
  return n;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

export const command: Command = {
  summary: 'segment everything in an image (FastSAM / YOLO-seg ONNX) → JSON with COCO RLE masks',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, HELP, {
      model: { type: 'string', short: 'm' },
      out: { type: 'string', short: 'o' },
      overlay: { type: 'string' },
      conf: { type: 'string' },
      iou: { type: 'string' },
      imgsz: { type: 'string' },
      'max-det': { type: 'string' },
      device: { type: 'string' },
      threads: { type: 'string' },
      rle: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    }, true);
    if (!parsed) return 0;
    const { values: v, positionals } = parsed;
    if (positionals.length !== 1) throw new EngineError('BAD_INPUT', `expected one IMAGE, got ${positionals.length}\n\n${HELP}`);
    if (!v.out) throw new EngineError('BAD_INPUT', `--out: missing, expected the JSON file to write\n\n${HELP}`);
    if (v.rle !== undefined && v.rle !== 'plain' && v.rle !== 'compressed') {
      throw new EngineError('BAD_INPUT', `--rle: got '${v.rle}', expected plain or compressed`);
    }
    const device = v.device ?? DEFAULTS.device;
    parseDevice(device); // unknown device: fail before any work
    const conf = num('conf', v.conf);
    const iou = num('iou', v.iou);
    const imgsz = num('imgsz', v.imgsz, true);
    const maxDet = num('max-det', v['max-det'], true);
    const threads = num('threads', v.threads, true);
    const imagePath = positionals[0];
    const modelPath = await ensureSegModel(v.model);
    // Outputs are checked before any work: not the image, the model or each other, not a link or device.
    const inputs = [imagePath, modelPath];
    await checkCliOutput(v.out, inputs);
    if (v.overlay) {
      await checkCliOutput(v.overlay, [...inputs, ...(v.out === '-' ? [] : [v.out])]);
      if (v.overlay !== '-' && v.out !== '-' && path.resolve(v.overlay) === path.resolve(v.out)) {
        throw new EngineError('BAD_INPUT', `--overlay '${v.overlay}' is the same file as --out`);
      }
    }

    const image = await readImage(imagePath);
    const model = await loadSegModel(modelPath, { device, intraOpThreads: threads });
    let result;
    try {
      result = await segmentImage(model, image, { conf, iou, imgsz, maxDet });
    } finally {
      await model.dispose();
    }
    const compressed = v.rle !== 'plain';
    const names = result.model.classNames;
    const json = {
      image: { path: path.resolve(imagePath), width: image.width, height: image.height },
      model: {
        name: result.model.name,
        path: modelPath,
        inputSize: result.model.inputSize,
        numClasses: result.model.numClasses,
        device: result.model.device,
        ...(names ? { classNames: names } : {}),
      },
      params: {
        conf: conf ?? DEFAULTS.segment.conf,
        iou: iou ?? DEFAULTS.segment.iou,
        maxDet: maxDet ?? DEFAULTS.segment.maxDet,
        imgsz: result.model.inputSize,
      },
      timings: Object.fromEntries(Object.entries(result.timings).map(([k, t]) => [k, round(t, 2)])),
      detections: result.detections.map((d) => ({
        box: d.box.map((x) => round(x, 2)),
        score: round(d.score, 5),
        class: d.classId,
        ...(names?.[d.classId] !== undefined ? { className: names[d.classId] } : {}),
        area: d.area,
        mask: maskToCocoRle(d.mask, image.width, image.height, { compressed }),
      })),
    };
    const overlay = v.overlay ? await encodePng(drawOverlay(image, result.detections)) : undefined;
    await writeOutput(v.out, JSON.stringify(json) + '\n', { inputs });
    if (v.overlay && overlay) await writeOutput(v.overlay, overlay, { inputs });
    if (!v.quiet) {
      const t = result.timings;
      process.stderr.write(`${result.detections.length} detections in ${path.basename(imagePath)} (${image.width}×${image.height}) ` +
        `on ${result.model.device}: preprocess ${t.preprocess.toFixed(1)} ms, inference ${t.inference.toFixed(1)} ms, ` +
        `postprocess ${t.postprocess.toFixed(1)} ms → ${v.out}${v.overlay ? ` + ${v.overlay}` : ''}\n`);
    }
    return 0;
  },
};
