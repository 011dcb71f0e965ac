/**
 * A server segment job on queue workers (`c.FastSamGeo.queue` / `fastsam-geo serve --queue URL`): the
 * job's tiles go to the BullMQ flow that `extract --queue` uses; progress comes from the tiles the
 * workers finish and cancelling the job cancels the flow (its pending tiles are removed; finished ones
 * stay in the result store for the next run). The merge writes its GeoJSON into the result store's
 * outputs/ folder, read here and removed. With `finished`, the tiles the workers put into the result
 * store are handed over as they appear (server/finished-tiles), so the job is drawn tile by tile.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';
import type { Tile } from '../raster/tiling.js';
import type { FeatureCollection, SegmentRequest } from './backend.js';
import type { FinishedTiles } from './finished-tiles.js';
import type { JobContext } from './jobs.js';
import { unionWindow, type TileParams } from './tile-results.js';

export async function segmentOnQueue(url: string, storeRoot: string, req: SegmentRequest, modelPath: string, area: Tile[], p: TileParams, ctx: JobContext, finished?: FinishedTiles): Promise<FeatureCollection> {
  const { openQueueClient } = await import('../queue/client.js');
  const client = await openQueueClient(url);
  const outputs = path.join(storeRoot, 'outputs');
  await fs.mkdir(outputs, { recursive: true });
  const output = path.join(outputs, `${randomUUID()}.geojson`);
  let id: string | null = null;
  try {
    const o = req.options ?? {};
    ({ id } = await client.submit(req.path, modelPath, {
      window: unionWindow(area), overlap: p.overlap, tileSize: p.tileSize[1], conf: p.conf, iou: p.iou, maxDet: p.maxDet,
      minArea: o.minArea, simplify: o.simplify, regularize: o.regularize,
    }, { output, storeRoot }));
    const s = await client.wait(id, { signal: ctx.signal, onProgress: (st) => {
      ctx.progress(st.done, st.total);
      finished?.poke();
    } });
    await finished?.flush(); // every finished tile drawn (a cancelled or failed job keeps what the workers finished)
    if (s.state === 'cancelled') throw new EngineError('ABORTED', 'cancelled');
    if (s.state !== 'done') throw new EngineError(/nodata/.test(s.error ?? '') ? 'EMPTY' : 'INTERNAL', `queued job ${id} failed: ${s.error}`);
    return JSON.parse(await fs.readFile(output, 'utf8')) as FeatureCollection;
  } catch (err) {
    if (id && ctx.signal.aborted) {
      await client.cancel(id).catch(() => {});
      await finished?.flush().catch(() => {});
    }
    throw err;
  } finally {
    await fs.rm(output, { force: true });
    await client.close();
  }
}
