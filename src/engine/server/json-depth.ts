/**
 * Nesting depth of a JSON text, measured by a linear scan (no recursion) before it is parsed: a body
 * nested 100,000 levels deep overflowed the call stack in schema validation (500 INTERNAL); it is now
 * BAD_INPUT naming the byte where the limit was passed.
 */
import { EngineError } from '../errors.js';

/** Deepest nesting accepted in a request body (a GeoJSON layer needs about 6). */
export const MAX_JSON_DEPTH = 256;

export function checkJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) throw new EngineError('BAD_INPUT', `request body: JSON nested deeper than ${max} levels (at byte ${i})`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}
