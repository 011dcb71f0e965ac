/**
 * A queue worker process: BullMQ workers for tiles (concurrency N) and merges (1), each job run by
 * queue/processor.ts in a worker thread. The model is loaded once here first: a model that fails to
 * load is reported once and the worker takes no job at all.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { modelHash } from '../cache/store-identity.js';
import { EngineError } from '../errors.js';
import { loadSegModel } from '../model/segmodel.js';
import { connect, MERGE_QUEUE, TILE_QUEUE } from './connection.js';

export interface WorkerOptions {
  url: string;
  /** Model file (every worker of a job must run the same file: checked by sha256). */
  model: string;
  device?: string;
  /** Tiles at a time (threads, each with its own model session). Default 1. */
  concurrency?: number;
  /** BullMQ lock duration (ms): a worker silent this long is presumed dead and its tile retried. Default 30 000. */
  lockDuration?: number;
  /** How often stalled jobs are looked for (ms). Default 15 000. */
  stalledInterval?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** The model's sha256 and the device it runs on. */
  modelHash: string;
  device: string;
  close(): Promise<void>;
}

const processorFile = fileURLToPath(new URL('./processor.js', import.meta.url));

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new EngineError('BAD_INPUT', `--concurrency: got ${options.concurrency}, expected an integer ≥ 1`);
  // Load the model here once, before taking jobs: a bad model is one clear error, not a failed tile per job.
  const model = await loadSegModel(options.model, { device: options.device });
  const device = model.device;
  await model.dispose();
  const hash = await modelHash(options.model);
  process.env.FSG_WORKER_MODEL = options.model;
  if (options.device) process.env.FSG_WORKER_DEVICE = options.device;
  process.env.FSG_QUEUE_URL = options.url;
  const conns: Redis[] = [];
  const common = async () => {
    const c = await connect(options.url, { name: 'fsg-worker' });
    conns.push(c);
    return {
      connection: c,
      // Shown as the job's processedBy: which machine and process holds a tile.
      name: `fsg-worker@${os.hostname()}:${process.pid}`,
      useWorkerThreads: true,
      // geotiff's web-worker shim reads workerData in every thread: give it an object without `mod`.
      workerThreadsOptions: { workerData: { fastsamGeoWorker: true } },
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 15_000,
      maxStalledCount: 3,
    };
  };
  const tiles = new Worker(TILE_QUEUE, processorFile, { ...(await common()), concurrency });
  const merges = new Worker(MERGE_QUEUE, processorFile, { ...(await common()), concurrency: 1 });
  for (const w of [tiles, merges]) {
    w.on('failed', (job, err) => log(`${job?.name ?? 'job'} ${job?.id ?? '?'} failed: ${err.message}`));
    w.on('error', (err) => log(`queue error: ${err.message}`));
  }
  merges.on('completed', (job) => log(`job ${job.id} merged: ${JSON.stringify(job.returnvalue)}`));
  await Promise.all([tiles.waitUntilReady(), merges.waitUntilReady()]);
  return {
    modelHash: hash,
    device,
    async close() {
      await Promise.all([tiles.close(), merges.close()]);
      for (const c of conns) c.disconnect();
    },
  };
}
