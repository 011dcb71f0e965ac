/**
 * The submitting side of the queue: `submitExtract` plans the tiles and enqueues one BullMQ flow (a
 * merge parent with one child per tile); `jobStatus`, `waitForJob` and `cancelJob` follow and stop it.
 *
 *   const q = await openQueueClient('redis://127.0.0.1:6379');
 *   const {id} = await q.submit('/shared/area.tif', '/shared/FastSAM-x.onnx', {conf: 0.4}, {output: '/shared/out.geojson'});
 *   await q.wait(id, {onProgress: (s) => bar.update(s.done, s.total)});
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { storeJobFor } from '../cache/open-result-store.js';
import { resultsDir } from '../config.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { loadSegModel } from '../model/segmodel.js';
import { planExtraction, type TileJobOptions } from '../pipeline/tile-job.js';
import { cancelKey, connect, MERGE_QUEUE, TILE_QUEUE } from './connection.js';
import type { ExtractJobData, MergeJobResult, TileJobData } from './job-data.js';

export type QueuedState = 'tiles' | 'merging' | 'done' | 'failed' | 'cancelled';

export interface QueuedStatus {
  id: string;
  state: QueuedState;
  /** Tiles finished (by any worker). */
  done: number;
  total: number;
  error?: string;
  result?: MergeJobResult;
  raster?: string;
  output?: string | null;
}

export interface SubmitOptions {
  /** GeoJSON the merge writes (absolute path on shared storage); null: fill the result store only. */
  output: string | null;
  /** Result store directory all workers reach (default resultsDir()). */
  storeRoot?: string;
  /** Tile retries (default 3: a worker killed mid-tile, a transient read error). */
  attempts?: number;
}

const DAY = 24 * 3600;

export class QueueClient {
  private readonly merge: Queue;
  private readonly flow: FlowProducer;

  constructor(readonly redis: Redis) {
    this.merge = new Queue(MERGE_QUEUE, { connection: redis });
    this.flow = new FlowProducer({ connection: redis });
  }

  async submit(raster: string, model: string, options: TileJobOptions, submit: SubmitOptions): Promise<{ id: string; tiles: number }> {
    const local = !/^https?:\/\//i.test(raster);
    const source = local ? path.resolve(raster) : raster;
    const modelFile = path.resolve(model);
    const m = await loadSegModel(modelFile);
    let tiles;
    try {
      tiles = (await planExtraction(source, m, options)).tiles;
    } finally {
      await m.dispose().catch(() => {});
    }
    const store = await storeJobFor(source, { ...options, model: modelFile });
    if (!store) throw new EngineError('BAD_INPUT', `${raster}: the server sends neither ETag nor Last-Modified, so workers cannot tell it has not changed: copy it to shared storage`);
    const id = `x${Date.now().toString(36)}${randomUUID().slice(0, 8)}`;
    const data: ExtractJobData = {
      raster: source, model: modelFile, options, storeRoot: path.resolve(submit.storeRoot ?? resultsDir()), store,
      output: submit.output === null ? null : path.resolve(submit.output), tiles: tiles.length, submittedAt: Date.now(),
    };
    await this.flow.add({
      name: 'merge',
      queueName: MERGE_QUEUE,
      data,
      opts: { jobId: id, removeOnComplete: { age: 7 * DAY }, removeOnFail: { age: 7 * DAY } },
      children: tiles.map((t) => ({
        name: 'tile',
        queueName: TILE_QUEUE,
        data: { p: id, i: t.index, r: t.row, c: t.col, w: t.window } satisfies TileJobData,
        opts: {
          jobId: `${id}.${t.index}`,
          attempts: submit.attempts ?? 3,
          backoff: { type: 'fixed', delay: 500 },
          failParentOnFailure: true,
          removeOnComplete: true,
          removeOnFail: { age: DAY },
        },
      })),
    });
    return { id, tiles: tiles.length };
  }

  async status(id: string): Promise<QueuedStatus> {
    const job = await this.merge.getJob(id);
    const isCancelled = (await this.redis.exists(cancelKey(id))) === 1;
    if (!job) {
      if (isCancelled) return { id, state: 'cancelled', done: 0, total: 0 };
      throw new EngineError('NOT_FOUND', `no queued job '${id}' (finished jobs are kept 7 days)`);
    }
    const data = job.data as ExtractJobData;
    const counts = await job.getDependenciesCount({ processed: true });
    const state = await job.getState();
    const base = { id, done: counts.processed ?? 0, total: data.tiles, raster: data.raster, output: data.output };
    if (state === 'completed') return { ...base, done: data.tiles, state: 'done', result: job.returnvalue as MergeJobResult };
    if (isCancelled) return { ...base, state: 'cancelled' };
    if (state === 'failed') return { ...base, state: 'failed', error: job.failedReason || 'failed' };
    if (state === 'waiting-children') return { ...base, state: 'tiles' };
    return { ...base, done: data.tiles, state: 'merging' };
  }

  /** Polls until the job is done, failed or cancelled. */
  async wait(id: string, options: { onProgress?: (s: QueuedStatus) => void; signal?: AbortSignal; pollMs?: number } = {}): Promise<QueuedStatus> {
    for (;;) {
      throwIfAborted(options.signal);
      const s = await this.status(id);
      options.onProgress?.(s);
      if (s.state === 'done' || s.state === 'failed' || s.state === 'cancelled') return s;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    }
  }

  /**
   * Cancels a job: its pending tiles are removed from the queue, tiles being processed finish (their
   * results stay in the store for a rerun) and the merge does not run.
   */
  async cancel(id: string): Promise<QueuedStatus> {
    const job = await this.merge.getJob(id);
    if (!job) throw new EngineError('NOT_FOUND', `no queued job '${id}'`);
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return this.status(id);
    await this.redis.set(cancelKey(id), '1', 'EX', 7 * DAY);
    await job.removeUnprocessedChildren();
    // The parent goes too when nothing holds a lock on it (an active merge stops at its cancel check).
    await job.remove().catch(() => {});
    return { ...(await this.status(id).catch(() => ({ id, done: 0, total: 0 }))), state: 'cancelled' };
  }

  async close(): Promise<void> {
    await this.flow.close();
    await this.merge.close();
    this.redis.disconnect();
  }
}

export async function openQueueClient(url: string): Promise<QueueClient> {
  return new QueueClient(await connect(url, { name: 'fsg-client' }));
}
