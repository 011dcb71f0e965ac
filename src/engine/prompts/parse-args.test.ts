import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promptFromFlags, parsePoints, parseBoxes } from './parse-args.js';
import { EngineError } from '../errors.js';

test('--points parses fg/bg points; --box one or several boxes', () => {
  assert.deepEqual(parsePoints('733700.5,3725000;733710,3725010,0'), [
    { x: 733700.5, y: 3725000, label: 1 }, { x: 733710, y: 3725010, label: 0 },
  ]);
  assert.deepEqual(parseBoxes(['1,2,3,4;5,6,7,8', '0,0,1,1']), [[1, 2, 3, 4], [5, 6, 7, 8], [0, 0, 1, 1]]);
  assert.deepEqual(promptFromFlags({ text: 'building', threshold: '0.3' }), {
    points: undefined, boxes: undefined, text: 'building', threshold: 0.3, coords: 'native', merge: undefined,
  });
  assert.equal(promptFromFlags({}), null);
});

test('bad prompt flags are BAD_INPUT naming what was expected', () => {
  const bad = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof EngineError && e.code === 'BAD_INPUT' && re.test(e.message));
  bad(() => parsePoints('1'), /expected x,y or x,y,label/);
  bad(() => parsePoints('1,2,3'), /expected 1 \(foreground\) or 0/);
  bad(() => parseBoxes(['1,2,3']), /expected minx,miny,maxx,maxy/);
  bad(() => promptFromFlags({ points: '1,2', text: 'x' }), /expected one/);
  bad(() => promptFromFlags({ text: 'x', threshold: 'high' }), /--threshold/);
  bad(() => promptFromFlags({ text: ' ' }), /empty prompt/);
});
