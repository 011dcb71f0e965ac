/**
 * `fastsam-geo serve --root DIR [--port N] [--token T] [--model M] [--clip-vision V --clip-text T]
 * [--clip-bpe B] [--device D] [--allow-url PREFIX]...`: runs the engine's HTTP API on 127.0.0.1. Prints `listening on http://127.0.0.1:PORT`
 * and `token: T` (random unless given, or taken from $FASTSAM_GEO_TOKEN), then serves until SIGINT /
 * SIGTERM (or until stdin closes, with --exit-on-stdin-close, for a parent process that may die).
 */
import { EngineError } from '../errors.js';
import { DEFAULTS } from '../config.js';
import { randomToken } from '../server/auth.js';
import { createServer } from '../server/app.js';
import { createEngineBackend } from '../server/engine-backend.js';
import type { Command } from './command.js';
import { parseCommand } from './command.js';
import { statSync } from 'node:fs';
import { parseDevice } from '../model/session.js';

/** After SIGTERM / SIGINT the server closes cleanly for at most this long, then exits. */
const STOP_GRACE_MS = 3000;

const HELP = `usage: fastsam-geo serve --root DIR [options]

Runs the engine's HTTP API on 127.0.0.1 (see the README, section http-api).

options:
  --root DIR          directory every request path is relative to (required)
  --port N            port (default 0: a free one)
  --token T           token clients send as "Authorization: token T"
                      (default: $FASTSAM_GEO_TOKEN, else random)
  --model M           segmentation model: FastSAM-s, FastSAM-x or a path to an .onnx (default FastSAM-s)
  --clip-vision V     CLIP image encoder (name or path) for text prompts
  --clip-text T       CLIP text encoder (name or path) for text prompts
  --clip-bpe B        CLIP BPE merges (bpe_simple_vocab_16e6.txt.gz) for the text tokenizer
                      (default: that file in the models directory)
  --device D          cpu | webgpu | cuda | tensorrt (trailing ! = no fallback; default ${DEFAULTS.device})
  --threads N         model intra-op threads (default: one per core, or $FASTSAM_GEO_THREADS)
  --body-limit BYTES  largest request body (default ${DEFAULTS.server.bodyLimit})
  --allow-url PREFIX  let GET /api/raster?url= open COGs under this http(s) prefix (repeatable;
                      default: URLs refused)
  --exit-on-stdin-close  stop when stdin closes (for a supervising process)
  --queue redis://H:P run segment jobs on queue workers (fastsam-geo worker; README "Scale out")
`;

export const command: Command = {
  summary: 'run the engine as an HTTP service on 127.0.0.1',
  async run(argv) {
    const parsed = parseCommand(argv, HELP, {
      root: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      model: { type: 'string' },
      'clip-vision': { type: 'string' },
      'clip-text': { type: 'string' },
      'clip-bpe': { type: 'string' },
      device: { type: 'string' },
      threads: { type: 'string' },
      'body-limit': { type: 'string' },
      'allow-url': { type: 'string', multiple: true },
      'exit-on-stdin-close': { type: 'boolean' },
      queue: { type: 'string' },
    });
    if (!parsed) return 0;
    const { values } = parsed;
    if (!values.root) throw new EngineError('BAD_INPUT', `--root: missing, expected the directory to serve\n\n${HELP}`);
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new EngineError('BAD_INPUT', `--port: got ${values.port}, expected an integer in 0..65535`);
    }
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
      throw new EngineError('BAD_INPUT', `--threads: got ${values.threads}, expected an integer ≥ 1`);
    }
    const bodyLimit = values['body-limit'] === undefined ? undefined : Number(values['body-limit']);
    const token = values.token ?? process.env.FASTSAM_GEO_TOKEN ?? randomToken();
    // Bad --device / --model / CLIP files fail now, not at the first request.
    parseDevice(values.device ?? DEFAULTS.device);
    for (const [flag, file] of [['--clip-vision', values['clip-vision']], ['--clip-text', values['clip-text']], ['--clip-bpe', values['clip-bpe']]] as const) {
      if (file && (file.includes('/') || /\.(onnx|gz|txt)$/i.test(file))) {
        const st = statSync(file, { throwIfNoEntry: false });
        if (!st) throw new EngineError('NOT_FOUND', `${flag}: ${file} does not exist`);
        if (!st.isFile()) throw new EngineError('BAD_INPUT', `${flag}: ${file} is not a regular file`);
      }
    }
    const backend = createEngineBackend({
      model: values.model,
      clipVision: values['clip-vision'],
      clipText: values['clip-text'],
      clipBpe: values['clip-bpe'],
      device: values.device,
      queue: values.queue,
      threads,
    });
    if (values.model !== undefined) await backend.warm?.();
    const server = await createServer({ root: values.root, token, backend, bodyLimit, allowUrls: values['allow-url'] ?? undefined });
    const { url } = await server.listen(port);
    process.stdout.write(`listening on ${url}\ntoken: ${token}\n`);

    await new Promise<void>((resolve) => {
      const stop = (): void => {
        // Whatever runs (a job, a prompt, a slow read), the process ends within a few seconds: a clean
        // close first, then exit; a second signal exits at once.
        setTimeout(() => process.exit(0), STOP_GRACE_MS).unref();
        process.once('SIGINT', () => process.exit(130));
        process.once('SIGTERM', () => process.exit(143));
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (values['exit-on-stdin-close']) {
        process.stdin.on('end', stop).on('close', stop).on('error', stop);
        process.stdin.resume();
      }
    });
    await server.close();
    return 0;
  },
};
