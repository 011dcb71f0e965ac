/**
 * Large per-tile buffers reused from tile to tile: the model's input tensor (5 MB at 640, 13 MB at 1024)
 * and the decode's cell-major prototypes (3 MB / 8 MB). Fresh memory is paid in page faults on first
 * touch: filling a fresh 12.6 MB Float32Array took 2.8 ms here, a reused one 0.6 ms (a fresh
 * SharedArrayBuffer of that size 6.8 ms). A buffer is taken, used, and given back when its user is
 * done; one that is never given back is simply collected. At most two buffers of each size and kind are
 * kept, sizes not asked for lately are dropped, and the pool holds at most 128 MB (a tile's buffers at
 * 1024 are 21 MB; at 4096, 336 MB: those are not kept), so it stays within a few tiles' worth.
 */

const MAX_PER_SIZE = 2;
const MAX_SIZES = 4;
const MAX_BYTES = 128 * 2 ** 20;
const free = new Map<string, ArrayBufferLike[]>();

function heldBytes(): number {
  let n = 0;
  for (const l of free.values()) for (const b of l) n += b.byteLength;
  return n;
}

const keyOf = (bytes: number, shared: boolean): string => `${shared ? 'shared' : 'plain'}:${bytes}`;

/** A buffer of exactly `bytes` (its old contents, if reused: the caller writes all of it or clears it). */
export function takeBuffer(bytes: number, shared = false): ArrayBufferLike {
  const key = keyOf(bytes, shared);
  const list = free.get(key);
  const reused = list?.pop();
  if (list) {
    // Most recently asked-for sizes last (dropped from the front).
    free.delete(key);
    free.set(key, list);
  }
  if (reused) return reused;
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** Gives a buffer back for the next takeBuffer of its size; its user must no longer read or write it. */
export function giveBack(buffer: ArrayBufferLike): void {
  if (buffer.byteLength === 0) return; // detached (moved to another thread)
  const key = keyOf(buffer.byteLength, buffer instanceof SharedArrayBuffer);
  let list = free.get(key);
  if (!list) {
    list = [];
    free.set(key, list);
    while (free.size > MAX_SIZES) free.delete(free.keys().next().value!);
  }
  if (list.length < MAX_PER_SIZE && !list.includes(buffer) && heldBytes() + buffer.byteLength <= MAX_BYTES) list.push(buffer);
}

/** Number of buffers held (for tests). */
export function pooledBuffers(): number {
  let n = 0;
  for (const l of free.values()) n += l.length;
  return n;
}
