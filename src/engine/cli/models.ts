/** `fastsam-geo models [list | path NAME | download NAME]`: the known model files. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { modelsDir } from '../config.js';
import { EngineError } from '../errors.js';
import { downloadFile, progressBar } from '../models/download.js';
import { findModel, knownModels, modelPath } from '../models/registry.js';
import type { Command } from './command.js';

const HELP = `usage: fastsam-geo models [list | path NAME | download NAME] [--json]

  list            known models, whether they are present, their upstream URL and sha256
  path NAME       the file the engine loads for NAME (exit 1 if it is missing)
  download NAME   download NAME into the models directory (progress bar, sha256 check, temp file +
                  rename); FastSAM comes as Ultralytics .pt weights: export them to ONNX as printed

Models directory: $FASTSAM_GEO_MODELS, else ~/.cache/fastsam-geo/models (now: ${modelsDir()}).
`;

function entryOrFail(name: string | undefined) {
  if (!name) throw new EngineError('BAD_INPUT', `expected a model NAME, got none (known: ${knownModels().map((m) => m.name).join(', ')})`);
  const e = findModel(name);
  if (!e) throw new EngineError('NOT_FOUND', `unknown model '${name}': expected one of ${knownModels().map((m) => m.name).join(', ')}`);
  return e;
}

export const command: Command = {
  summary: 'list, locate and download model files (FastSAM-s/x, CLIP)',
  async run(argv: string[]): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    } catch (err) {
      throw new EngineError('BAD_INPUT', `${(err as Error).message}\n\n${HELP}`);
    }
    const { values: v, positionals } = parsed;
    if (v.help) { process.stdout.write(HELP); return 0; }
    const [sub = 'list', name, ...extra] = positionals;
    if (extra.length) throw new EngineError('BAD_INPUT', `unexpected arguments: ${extra.join(' ')}\n\n${HELP}`);
    if (sub === 'list') {
      const rows = knownModels().map((m) => {
        const p = modelPath(m);
        return { name: m.name, kind: m.kind, file: m.file, path: p, present: existsSync(p), url: m.url, sha256: m.sha256, checksumVerified: m.checksumVerified, exportCommand: m.exportCommand, description: m.description };
      });
      if (v.json) { process.stdout.write(JSON.stringify({ modelsDir: modelsDir(), models: rows }, null, 1) + '\n'); return 0; }
      const lines = [`models directory: ${modelsDir()}`, ''];
      for (const r of rows) {
        lines.push(`${r.name.padEnd(22)} ${r.present ? 'present' : 'missing'}  ${r.kind.padEnd(11)} ${r.description}`);
        lines.push(`${''.padEnd(22)} file ${r.file}  from ${r.url}`);
        lines.push(`${''.padEnd(22)} sha256 ${r.sha256 ?? '(not recorded: unverified)'}`);
        if (r.exportCommand) lines.push(`${''.padEnd(22)} then: ${r.exportCommand}`);
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
    if (sub === 'download') {
      const e = entryOrFail(name);
      const dest = path.join(modelsDir(), e.downloadFile);
      if (existsSync(dest) && statSync(dest).size > 0) {
        process.stderr.write(`${dest} already exists\n`);
      } else {
        const r = await downloadFile(e.url, dest, { sha256: e.sha256, onProgress: progressBar(e.downloadFile) });
        process.stderr.write(`saved ${r.path} (${r.bytes} bytes, sha256 ${r.sha256}${e.sha256 ? ', verified' : ', no recorded checksum to verify against'})\n`);
      }
      if (e.exportCommand) {
        process.stderr.write(`next: cd ${modelsDir()} && ${e.exportCommand}   (pip install ultralytics onnx; writes ${e.file})\n`);
      }
      return 0;
    }
    throw new EngineError('BAD_INPUT', `unknown subcommand '${sub}': expected list, path or download\n\n${HELP}`);
  },
};
