/** `fastsam-geo extract RASTER --queue redis://... [--detach]`: the tiles run on queue workers. */
import { EngineError } from '../errors.js';
import type { TileJobOptions } from '../pipeline/tile-job.js';
import { waitWithBar } from './jobs.js';

export async function runQueuedExtract(raster: string, opts: TileJobOptions & { model: string; device?: string }, q: { queue?: string; detach: boolean; quiet: boolean; output: string }): Promise<number> {
  if (!q.queue) throw new EngineError('BAD_INPUT', '--detach: only with --queue redis://HOST:PORT');
  if (opts.device) throw new EngineError('BAD_INPUT', '--device: with --queue the device is the workers\' (fastsam-geo worker --device D)');
  const { openQueueClient } = await import('../queue/client.js');
  const client = await openQueueClient(q.queue);
  try {
    const { model, device: _device, ...options } = opts;
    const { id, tiles } = await client.submit(raster, model, options, { output: q.output });
    if (q.detach) {
      process.stdout.write(`${id}\n`);
      if (!q.quiet) process.stderr.write(`queued ${tiles} tiles as ${id}: fastsam-geo jobs wait ${id} --queue ${q.queue}\n`);
      return 0;
    }
    if (!q.quiet) process.stderr.write(`queued ${tiles} tiles as ${id}\n`);
    return await waitWithBar(client, id, q.quiet, true);
  } finally {
    await client.close();
  }
}
