/**
 * The queue's one gateway to Redis and BullMQ names: only queue/ imports bullmq and ioredis.
 * Redis holds coordination only (job ids, tile windows, states); tile results go to the shared result
 * store directory (cache/result-store.ts).
 */
import { Redis } from 'ioredis';
import { EngineError } from '../errors.js';

/** Tile jobs (children of a flow). */
export const TILE_QUEUE = 'fsg-tiles';
/** Merge jobs (a flow's parent: seams, vectorize, regularize, write). */
export const MERGE_QUEUE = 'fsg-merge';
/** Set when a job is cancelled (workers skip its remaining tiles). */
export const cancelKey = (id: string): string => `fsg:cancelled:${id}`;

/** Checks a queue URL: redis://[user:pass@]host:port[/db] or rediss://. */
export function checkQueueUrl(url: string | undefined): string {
  if (!url) throw new EngineError('BAD_INPUT', '--queue: got nothing, expected redis://HOST:PORT');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new EngineError('BAD_INPUT', `--queue: got ${JSON.stringify(url)}, expected redis://HOST:PORT`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new EngineError('BAD_INPUT', `--queue: got ${JSON.stringify(url)}, expected a redis:// or rediss:// URL`);
  return url;
}

/**
 * A Redis connection for BullMQ (maxRetriesPerRequest null, as workers require). The first command
 * fails fast with NOT_FOUND when Redis does not answer (instead of retrying for ever).
 */
export async function connect(url: string, options: { name?: string } = {}): Promise<Redis> {
  checkQueueUrl(url);
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectionName: options.name, retryStrategy: (n) => Math.min(n * 200, 2000) });
  redis.on('error', () => {}); // reported through the commands that fail
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5000).unref()),
    ]);
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new EngineError('NOT_FOUND', `cannot reach Redis at ${url}: ${(err as Error).message}`);
  }
  return redis;
}
