import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { giveBack, pooledBuffers, takeBuffer } from './buffer-pool.js';

test('buffer pool: a given-back buffer serves the next take of its size and kind; bounded; detached ones are dropped', () => {
  const a = takeBuffer(4096);
  assert.ok(a instanceof ArrayBuffer && a.byteLength === 4096);
  giveBack(a);
  giveBack(a); // twice: kept once
  assert.equal(takeBuffer(4096), a);
  assert.notEqual(takeBuffer(4096), a, 'taken: not handed out twice');
  // Shared and plain buffers of one size are apart.
  const s = takeBuffer(4096, true);
  assert.ok(s instanceof SharedArrayBuffer);
  giveBack(s);
  assert.ok(takeBuffer(4096) instanceof ArrayBuffer);
  assert.equal(takeBuffer(4096, true), s);
  // At most two per size, at most four sizes.
  for (const size of [100, 200, 300, 400, 500]) for (let i = 0; i < 3; i++) giveBack(new ArrayBuffer(size));
  assert.ok(pooledBuffers() <= 8, `${pooledBuffers()} held`);
  assert.notEqual(takeBuffer(500).byteLength, 0);
  // At most 128 MB held: a 100 MB buffer is kept once, a second one is not.
  const big = [new ArrayBuffer(100 * 2 ** 20), new ArrayBuffer(100 * 2 ** 20)];
  giveBack(big[0]);
  giveBack(big[1]);
  assert.equal(takeBuffer(100 * 2 ** 20), big[0]);
  const fresh = takeBuffer(100 * 2 ** 20);
  assert.ok(fresh !== big[0] && fresh !== big[1], 'the second one was not kept');
  // A buffer moved to another thread (detached) is not kept.
  const moved = new ArrayBuffer(64);
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(moved, [moved]);
  port1.close();
  port2.close();
  const before = pooledBuffers();
  giveBack(moved);
  assert.equal(pooledBuffers(), before);
});
