/** `fastsam-geo worker --queue redis://HOST:PORT [--model M] [--device D] [--concurrency N]`: runs queued tiles. */
import { EngineError } from '../errors.js';
import { resolveModel } from '../models/registry.js';
import { parseCommand, usageError, type Command } from './command.js';
import { numberArg } from './geo-args.js';

const HELP = `usage: fastsam-geo worker --queue redis://HOST:PORT [options]

Takes tiles of queued extractions (fastsam-geo extract RASTER --queue ...) and merges finished jobs.
Start any number, on any machines that see the rasters and the result store ($FASTSAM_GEO_RESULTS)
at the same paths as the submitter. Every worker of a job must run the same model file.

options:
  --queue URL            Redis (redis://HOST:PORT or rediss://)
  --model M              ONNX model file or known name (default FastSAM-x)
  --device D             cpu (default) | webgpu | cuda | tensorrt; trailing ! = no fallback
  --concurrency N        tiles at a time, each in its own thread with its own session (default 1)
  --lock-duration MS     a worker silent this long is presumed dead and its tile retried (default 30000)
  --stalled-interval MS  how often stalled tiles are looked for (default 15000)
`;

export const command: Command = {
  summary: 'runs queued tiles and merges (BullMQ on Redis)',
  async run(argv: string[]): Promise<number> {
    const v = parseCommand(argv, HELP, {
      queue: { type: 'string' }, model: { type: 'string' }, device: { type: 'string' }, concurrency: { type: 'string' },
      'lock-duration': { type: 'string' }, 'stalled-interval': { type: 'string' },
    })?.values;
    if (!v) return 0;
    if (!v.queue) throw usageError('--queue: got nothing, expected redis://HOST:PORT', HELP);
    const int = (name: string, s: string | undefined, min: number): number | undefined => numberArg(name, s, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);
    const model = resolveModel(v.model ?? 'FastSAM-x', 'fastsam');
    const { startWorker } = await import('../queue/worker.js');
    const log = (line: string): void => { process.stderr.write(`${new Date().toISOString()} ${line}\n`); };
    let worker;
    try {
      worker = await startWorker({
        url: v.queue, model, device: v.device, concurrency: int('concurrency', v.concurrency, 1),
        lockDuration: int('lock-duration', v['lock-duration'], 100), stalledInterval: int('stalled-interval', v['stalled-interval'], 100), log,
      });
    } catch (err) {
      if (err instanceof EngineError) throw new EngineError(err.code, `not taking tiles: ${err.message}`);
      throw err;
    }
    log(`worker ready: model ${model} (sha256 ${worker.modelHash.slice(0, 12)}…) on ${worker.device}, queue ${v.queue}`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        log('stopping: finishing the tiles in hand');
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await worker.close();
    return 0;
  },
};
