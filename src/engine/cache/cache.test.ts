import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, utimesSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeSegmentResult, decodeSegmentResult, encodeRuns } from './mask-codec.js';
import { LruCache } from './lru.js';
import { createTileCache, createEmbeddingCache } from './tile-cache.js';
import { cacheKey, fileIdentity, contentHash } from './keys.js';
import { encodeEmbeddings, decodeEmbeddings } from './embedding-codec.js';
import { syntheticTile } from '../testing/fixture-masks.js';
import { EngineError } from '../errors.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const tmp = () => tmpDir('fsg-cache-');

test('the mask codec round-trips 300 masks exactly and is ≥ 5× smaller than the bitmaps', () => {
  const r = syntheticTile(300, 1024, 3);
  const bytes = encodeSegmentResult(r);
  const back = decodeSegmentResult(bytes);
  assert.deepEqual(back.image, r.image);
  assert.deepEqual(back.model, r.model);
  assert.equal(back.detections.length, 300);
  back.detections.forEach((d, i) => {
    const o = r.detections[i];
    assert.deepEqual([d.box, d.score, d.classId, d.area], [o.box, o.score, o.classId, o.area]);
    assert.deepEqual([d.mask.x, d.mask.y, d.mask.width, d.mask.height], [o.mask.x, o.mask.y, o.mask.width, o.mask.height]);
    assert.ok(Buffer.from(d.mask.data).equals(Buffer.from(o.mask.data)), `mask ${i}`);
  });
  const raw = r.detections.reduce((a, d) => a + d.mask.data.length, 0);
  assert.ok(bytes.length * 5 < raw, `${bytes.length} bytes for ${raw} bitmap bytes`);
});

test('runs are row-major, 0s first (hand-computed)', () => {
  assert.deepEqual(encodeRuns(Uint8Array.from([1, 1, 0, 0, 0, 1])), [0, 2, 3, 1]);
  assert.deepEqual(encodeRuns(Uint8Array.from([0, 0])), [2]);
});

test('a corrupt or foreign file is a clear BAD_INPUT', () => {
  assert.throws(() => decodeSegmentResult(new Uint8Array(20)), (e: unknown) => e instanceof EngineError && e.code === 'BAD_INPUT');
  const good = encodeSegmentResult(syntheticTile(5, 64, 1));
  assert.throws(() => decodeSegmentResult(good.subarray(0, good.length - 3)), /truncated masks|do not cover/);
});

test('the LRU keeps the most recently used entries within its byte bound', () => {
  const c = new LruCache<string, number>(10, (v) => v);
  c.set('a', 4);
  c.set('b', 4);
  assert.equal(c.get('a'), 4); // a is now the most recent
  c.set('c', 4); // 12 > 10: evicts b
  assert.deepEqual(c.keys(), ['a', 'c']);
  assert.equal(c.bytes, 8);
  c.set('huge', 11); // larger than the bound: not kept, nothing evicted
  assert.deepEqual(c.keys(), ['a', 'c']);
});

test('tile cache: memory hit, disk hit after the memory is cleared, miss on a new key', async () => {
  const dir = tmp();
  const cache = createTileCache({ dir, maxBytes: 1 << 30 });
  const r = syntheticTile(20, 256, 9);
  const key = cacheKey({ kind: 'tile', raster: 'a.tif', window: [0, 0, 256, 256], model: 'm', params: { conf: 0.4 } });
  await cache.set(key, r);
  assert.equal(await cache.get(key), r);
  cache.clearMemory();
  const fromDisk = await cache.get(key);
  assert.ok(fromDisk && fromDisk !== r);
  assert.equal(fromDisk!.detections.length, 20);
  assert.ok(Buffer.from(fromDisk!.detections[7].mask.data).equals(Buffer.from(r.detections[7].mask.data)));
  assert.deepEqual(cache.stats, { memoryHits: 1, diskHits: 1, misses: 0, writes: 1 });
  const other = cacheKey({ kind: 'tile', raster: 'a.tif', window: [0, 0, 256, 256], model: 'm', params: { conf: 0.5 } });
  assert.equal(await cache.get(other), undefined);
  // one file under a two-hex-digit folder, no temp files left behind
  assert.deepEqual(readdirSync(path.join(dir, key.slice(0, 2))), [key + '.fsgr']);
});

test('tile cache: a memory bound evicts; a corrupt disk entry is a miss and is removed', async () => {
  const dir = tmp();
  const r = syntheticTile(20, 256, 9);
  const cache = createTileCache({ dir: null, maxBytes: 1 });
  await cache.set('ab'.repeat(32), r);
  assert.equal(cache.memoryEntries, 0);
  const disk = createTileCache({ dir, maxBytes: 0 });
  const key = 'cd'.repeat(32);
  await disk.set(key, r);
  const file = path.join(dir, 'cd', key + '.fsgr');
  writeFileSync(file, readFileSync(file).subarray(0, 50));
  assert.equal(await disk.get(key), undefined);
  assert.deepEqual(readdirSync(path.join(dir, 'cd')), []);
});

test('keys: canonical (key order does not matter), and a touched raster gets a new identity', async () => {
  assert.equal(cacheKey({ a: 1, b: { c: 2, d: [1, 2] } }), cacheKey({ b: { d: [1, 2], c: 2 }, a: 1 }));
  assert.notEqual(cacheKey({ a: 1 }), cacheKey({ a: 2 }));
  const f = path.join(tmp(), 'r.tif');
  writeFileSync(f, 'abc');
  const id1 = await fileIdentity(f);
  utimesSync(f, new Date(), new Date(Date.now() + 5000));
  const id2 = await fileIdentity(f);
  assert.notEqual(cacheKey({ raster: id1 }), cacheKey({ raster: id2 }));
  // sha256("abc"), the FIPS 180-2 test vector
  assert.deepEqual(await contentHash(f), { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });
  await assert.rejects(fileIdentity(f + '.missing'), (e: unknown) => e instanceof EngineError && e.code === 'NOT_FOUND');
});

test('embedding cache round-trips indices and float32 embeddings through disk', async () => {
  const e = { indices: Int32Array.from([0, 3, 7]), embeds: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5), dim: 4 };
  assert.deepEqual(decodeEmbeddings(encodeEmbeddings(e)), e);
  const cache = createEmbeddingCache({ dir: tmp() });
  await cache.set('ef'.repeat(32), e);
  cache.clearMemory();
  assert.deepEqual(await cache.get('ef'.repeat(32)), e);
});
