import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeSlice, setDefaultSliceMs, yieldTurn } from './yield-turn.js';

test('yieldTurn lets callbacks already waiting for the event loop run first', async () => {
  const order: string[] = [];
  setImmediate(() => order.push('waiting'));
  await yieldTurn();
  order.push('after the turn');
  assert.deepEqual(order, ['waiting', 'after the turn']);
});

test('TimeSlice is due once its slice has run out, and a turn starts the next slice', async () => {
  const never = new TimeSlice(Infinity);
  const always = new TimeSlice(0);
  assert.equal(never.due(), false);
  assert.equal(always.due(), true);
  const slice = new TimeSlice(20);
  assert.equal(slice.due(), false);
  const t0 = Date.now();
  while (Date.now() - t0 < 25); // the work of one slice
  assert.equal(slice.due(), true);
  await slice.turn();
  assert.equal(slice.turns, 1);
  assert.equal(slice.due(), false);
});

test('the default slice is set and restored', () => {
  const before = setDefaultSliceMs(Infinity);
  assert.equal(new TimeSlice().due(), false);
  assert.equal(setDefaultSliceMs(before), Infinity);
  assert.equal(before, 10);
});
