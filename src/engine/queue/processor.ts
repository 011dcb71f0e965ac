/**
 * The BullMQ processor of `fastsam-geo worker`, run in a worker thread (useWorkerThreads), so that
 * onnxruntime's blocking session.run never stalls the main thread's lock renewal. One file for both
 * job kinds:
 *
 *   tile   read the window, segment, put the result in the shared result store (idempotent: a retry
 *          rewrites the same record)
 *   merge  extract() over the whole raster with the store: every tile is found there, so it only
 *          merges seams, vectorizes, regularizes and writes the GeoJSON
 *
 * The worker's model (FSG_WORKER_MODEL, FSG_WORKER_DEVICE) is loaded once per thread; a job whose model
 * sha256 or raster identity differs from the worker's view fails without retries (UnrecoverableError).
 */
import { Queue, UnrecoverableError } from 'bullmq';
import type { SandboxedJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { canonicalJson } from '../cache/keys.js';
import { DirTileStore } from '../cache/result-store.js';
import { modelHash, rasterIdentity } from '../cache/store-identity.js';
import { writeGeoJson } from '../export/geojson.js';
import { loadSegModel, type SegModel } from '../model/segmodel.js';
import { extract } from '../pipeline/extract.js';
import { openTileRunner, type TileRunner } from '../pipeline/tile-job.js';
import { cancelKey, connect, MERGE_QUEUE } from './connection.js';
import type { ExtractJobData, MergeJobResult, TileJobData, TileJobResult } from './job-data.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new UnrecoverableError(`worker misconfigured: ${name} is not set`);
  return v;
};

let modelPromise: Promise<{ model: SegModel; hash: string }> | null = null;
function workerModel(): Promise<{ model: SegModel; hash: string }> {
  if (!modelPromise) {
    const file = env('FSG_WORKER_MODEL');
    modelPromise = (async () => ({ model: await loadSegModel(file, { device: process.env.FSG_WORKER_DEVICE || undefined }), hash: await modelHash(file) }))();
  }
  return modelPromise;
}

let redisPromise: Promise<{ redis: Redis; merge: Queue }> | null = null;
function queue(): Promise<{ redis: Redis; merge: Queue }> {
  if (!redisPromise) {
    redisPromise = (async () => {
      const redis = await connect(env('FSG_QUEUE_URL'), { name: 'fsg-processor' });
      return { redis, merge: new Queue(MERGE_QUEUE, { connection: redis }) };
    })();
    redisPromise.catch(() => { redisPromise = null; });
  }
  return redisPromise;
}

interface Ctx {
  data: ExtractJobData;
  runner: TileRunner;
}
/** Open runs (raster + stretch) of recent parents, newest last. */
const contexts = new Map<string, Promise<Ctx>>();

async function checkJob(data: ExtractJobData): Promise<SegModel> {
  const { model, hash } = await workerModel();
  if (hash !== data.store.model) {
    throw new UnrecoverableError(`this worker's model (sha256 ${hash.slice(0, 12)}…) is not the job's (${data.store.model.slice(0, 12)}…, ${data.model}): start workers with --model set to the same file`);
  }
  const id = await rasterIdentity(data.raster);
  if (canonicalJson(id) !== canonicalJson(data.store.raster)) {
    throw new UnrecoverableError(`${data.raster} changed since the job was submitted (or this worker sees another file): resubmit`);
  }
  return model;
}

function context(parentId: string): Promise<Ctx> {
  let c = contexts.get(parentId);
  if (!c) {
    c = (async () => {
      const { merge } = await queue();
      const parent = await merge.getJob(parentId);
      if (!parent) throw new UnrecoverableError(`job ${parentId} is gone (cancelled or removed)`);
      const data = parent.data as ExtractJobData;
      const model = await checkJob(data);
      const store = new DirTileStore(data.store, { root: data.storeRoot, onWarning: (m) => process.stderr.write(`warning: ${m}\n`) });
      return { data, runner: await openTileRunner(data.raster, model, store, data.options) };
    })();
    c.catch(() => contexts.delete(parentId));
    contexts.set(parentId, c);
    while (contexts.size > 4) {
      const [oldest, p] = contexts.entries().next().value as [string, Promise<Ctx>];
      contexts.delete(oldest);
      void p.then((x) => x.runner.close(), () => {});
    }
  }
  return c;
}

async function cancelled(id: string): Promise<boolean> {
  const { redis } = await queue();
  return (await redis.exists(cancelKey(id))) === 1;
}

async function runTile(job: SandboxedJob<TileJobData>): Promise<TileJobResult> {
  const t = job.data;
  if (await cancelled(t.p)) return { n: -2 };
  const { runner } = await context(t.p);
  const result = await runner.run({ index: t.i, row: t.r, col: t.c, window: t.w });
  return { n: result ? result.detections.length : -1 };
}

async function runMerge(job: SandboxedJob<ExtractJobData>): Promise<MergeJobResult> {
  const data = job.data;
  if (await cancelled(job.id!)) throw new UnrecoverableError('cancelled');
  const model = await checkJob(data);
  const store = new DirTileStore(data.store, { root: data.storeRoot });
  let last = 0;
  const r = await extract(data.raster, {
    ...data.options,
    model,
    tileStore: store,
    onProgress: (p) => {
      if (p.done - last >= 16 || p.done === p.total) {
        last = p.done;
        void job.updateProgress({ merged: p.done, of: p.total });
      }
    },
  });
  if (data.output) await writeGeoJson(data.output, r.collection);
  return { buildings: r.buildings, tiles: r.tiles, fromStore: store.stats.hits, output: data.output };
}

export default async function processor(job: SandboxedJob): Promise<unknown> {
  if (job.name === 'tile') return runTile(job as SandboxedJob<TileJobData>);
  if (job.name === 'merge') return runMerge(job as SandboxedJob<ExtractJobData>);
  throw new UnrecoverableError(`unknown job kind ${JSON.stringify(job.name)}`);
}
