/**
 * A two-level cache: an in-memory LRU bounded by bytes, backed by a directory of files (one per key,
 * written atomically). `get` looks in memory, then on disk (and promotes what it finds); `set` stores
 * in both. A disk file that fails to decode (older format, truncated) is a miss and is removed.
 * Keys are hex strings (see cacheKey in keys.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LruCache } from './lru.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { EngineError, throwIfAborted } from '../errors.js';

export interface Codec<V> {
  encode(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
  /** In-memory size in bytes. */
  sizeOf(value: V): number;
}

export interface TieredCacheOptions {
  /** Memory bound in bytes. */
  maxBytes: number;
  /** Directory for the disk level; null/undefined = memory only. */
  dir?: string | null;
  /** File extension of the disk entries. */
  ext?: string;
}

export interface CacheStats {
  memoryHits: number;
  diskHits: number;
  misses: number;
  writes: number;
}

export class TieredCache<V> {
  private readonly memory: LruCache<string, V>;
  readonly dir: string | null;
  private readonly ext: string;
  readonly stats: CacheStats = { memoryHits: 0, diskHits: 0, misses: 0, writes: 0 };

  constructor(private readonly codec: Codec<V>, options: TieredCacheOptions) {
    if (!(Number.isFinite(options.maxBytes) && options.maxBytes >= 0)) {
      throw new EngineError('BAD_INPUT', `maxBytes: got ${options.maxBytes}, expected a number ≥ 0`);
    }
    this.memory = new LruCache(options.maxBytes, (v) => codec.sizeOf(v));
    this.dir = options.dir ?? null;
    this.ext = options.ext ?? '.bin';
  }

  private file(key: string): string {
    if (!/^[0-9a-f]{8,}$/.test(key)) throw new EngineError('BAD_INPUT', `cache key: got ${JSON.stringify(key)}, expected a hex digest`);
    return path.join(this.dir!, key.slice(0, 2), key + this.ext);
  }

  /** Memory only, synchronous. */
  peek(key: string): V | undefined {
    return this.memory.get(key);
  }

  async get(key: string, signal?: AbortSignal): Promise<V | undefined> {
    const hit = this.memory.get(key);
    if (hit !== undefined) {
      this.stats.memoryHits++;
      return hit;
    }
    if (this.dir) {
      throwIfAborted(signal);
      const file = this.file(key);
      let bytes: Uint8Array | undefined;
      try {
        bytes = await fs.readFile(file);
      } catch {
        bytes = undefined;
      }
      if (bytes) {
        try {
          const value = this.codec.decode(bytes);
          this.memory.set(key, value);
          this.stats.diskHits++;
          return value;
        } catch {
          await fs.rm(file, { force: true });
        }
      }
    }
    this.stats.misses++;
    return undefined;
  }

  async set(key: string, value: V, signal?: AbortSignal): Promise<void> {
    this.memory.set(key, value);
    this.stats.writes++;
    if (this.dir) {
      const file = this.file(key);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, this.codec.encode(value), { signal });
    }
  }

  async delete(key: string): Promise<void> {
    this.memory.delete(key);
    if (this.dir) await fs.rm(this.file(key), { force: true });
  }

  /** Empties the memory level (the disk level stays). */
  clearMemory(): void {
    this.memory.clear();
  }

  get memoryBytes(): number {
    return this.memory.bytes;
  }

  get memoryEntries(): number {
    return this.memory.size;
  }
}
