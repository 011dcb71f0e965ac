/** `fastsam-geo models [list | path NAME | download NAME | convert FILE.pt]`: the known model files. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { modelsDir } from '../config.js';
import { EngineError } from '../errors.js';
import { convertCheckpointFile } from '../models/convert.js';
import { fetchModel } from '../models/ensure.js';
import { findModel, knownModels, modelPath } from '../models/registry.js';
import type { Command } from './command.js';
import { parseCommand } from './command.js';

const HELP = `usage: fastsam-geo models [list | path NAME | download NAME | convert FILE.pt [-o FILE.onnx]] [--json]

  list            known models, whether they are present, their upstream URL and sha256
  path NAME       the file the engine loads for NAME (exit 1 if it is missing)
  download NAME   download NAME into the models directory (progress bar, sha256 check, temp file +
                  rename); FastSAM-s / FastSAM-x come as Ultralytics .pt checkpoints and are converted
                  to ONNX in Node (no Python needed); \`download clip [--quantized]\` fetches the CLIP
                  ViT-B/32 encoders (352 + 254 MB; quantized 89 + 65 MB) from a pinned revision
  convert FILE.pt convert an Ultralytics YOLOv8-seg checkpoint (FastSAM-s.pt, FastSAM-x.pt,
                  yolov8*-seg.pt) to ONNX: -o FILE.onnx (default: beside it, .onnx), --imgsz N
                  (input size, multiple of 32, default 1024)

Models directory: $FASTSAM_GEO_MODELS, else ~/.cache/fastsam-geo/models (now: ${modelsDir()}).
`;

function entryOrFail(name: string | undefined) {
  if (!name) throw new EngineError('BAD_INPUT', `expected a model NAME, got none (known: ${knownModels().map((m) => m.name).join(', ')})`);
  const e = findModel(name);
  if (!e) throw new EngineError('NOT_FOUND', `unknown model '${name}': expected one of ${knownModels().map((m) => m.name).join(', ')}`);
  return e;
}

export const command: Command = {
  summary: 'list, locate, download and convert model files (FastSAM-s/x, CLIP)',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, HELP, { json: { type: 'boolean' }, output: { type: 'string', short: 'o' }, imgsz: { type: 'string' }, quantized: { type: 'boolean' } }, true);
    if (!parsed) return 0;
    const { values: v, positionals } = parsed;
    const [sub = 'list', name, ...extra] = positionals;
    if (extra.length) throw new EngineError('BAD_INPUT', `unexpected arguments: ${extra.join(' ')}\n\n${HELP}`);
    if (sub === 'list') {
      const rows = knownModels().map((m) => {
        const p = modelPath(m);
        return { name: m.name, kind: m.kind, file: m.file, path: p, present: existsSync(p), url: m.url, sha256: m.sha256, checksumVerified: m.checksumVerified, convertedFrom: m.convert ? m.downloadFile : undefined, description: m.description };
      });
      if (v.json) { process.stdout.write(JSON.stringify({ modelsDir: modelsDir(), models: rows }, null, 1) + '\n'); return 0; }
      const lines = [`models directory: ${modelsDir()}`, ''];
      for (const r of rows) {
        lines.push(`${r.name.padEnd(22)} ${r.present ? 'present' : 'missing'}  ${r.kind.padEnd(11)} ${r.description}`);
        lines.push(`${''.padEnd(22)} file ${r.file}  from ${r.url}`);
        lines.push(`${''.padEnd(22)} sha256 ${r.sha256 ?? '(not recorded: unverified)'}`);
        if (r.convertedFrom) lines.push(`${''.padEnd(22)} converted to ONNX from the checkpoint ${r.convertedFrom} (models download does both)`);
      }
      process.stdout.write(lines.join('\n') + '\n');
      return 0;
    }
    if (sub === 'path') {
      const e = entryOrFail(name);
      const p = modelPath(e);
      process.stdout.write(p + '\n');
      return existsSync(p) ? 0 : 1;
    }
    const imgsz = v.imgsz === undefined ? undefined : Number(v.imgsz);
    if (imgsz !== undefined && !(Number.isInteger(imgsz) && imgsz >= 64 && imgsz % 32 === 0)) {
      throw new EngineError('BAD_INPUT', `--imgsz: got '${v.imgsz}', expected a multiple of 32 ≥ 64`);
    }
    if (sub === 'download') {
      if (name?.toLowerCase() === 'clip') {
        const { downloadClip } = await import('../models/clip-download.js');
        const files = await downloadClip({ quantized: v.quantized === true });
        if (v.json) process.stdout.write(JSON.stringify(files) + '\n');
        return 0;
      }
      const e = entryOrFail(name);
      const r = await fetchModel(e, { imgsz });
      process.stdout.write(r.path + '\n');
      return 0;
    }
    if (sub === 'convert') {
      if (!name) throw new EngineError('BAD_INPUT', `convert: expected a checkpoint FILE.pt, got none\n\n${HELP}`);
      const out = v.output ?? name.replace(/\.pt$/i, '') + '.onnx';
      const t0 = Date.now();
      const r = await convertCheckpointFile(name, out, { imgsz });
      process.stderr.write(`wrote ${path.resolve(out)} (YOLOv8${r.info.scaleName}-seg, ${r.info.numClasses} class${r.info.numClasses === 1 ? '' : 'es'}, ` +
        `${(r.parameterCount / 1e6).toFixed(2)}M parameters, imgsz ${r.imgsz}, output0 [${r.outputs.output0.join(', ')}], ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      if (v.json) process.stdout.write(JSON.stringify({ path: path.resolve(out), info: { ...r.info, scale: undefined }, parameterCount: r.parameterCount, outputs: r.outputs, metadata: r.metadata }) + '\n');
      return 0;
    }
    throw new EngineError('BAD_INPUT', `unknown subcommand '${sub}': expected list, path, download or convert\n\n${HELP}`);
  },
};
