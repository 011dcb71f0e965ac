/**
 * The payload of a row record (cache/tile-record.ts, "FSGW"): the finished output of one tile row,
 * i.e. the features it produced before ids are given, as JSON that replays exactly. JSON keeps every
 * finite double exactly (shortest round-trip form) and objects' key order; the few values it would
 * change (-0, NaN, ±Infinity) are written as {"$f": "-0"} and read back as the same number, so a
 * replayed row serializes byte for byte like the one that was computed.
 */
const special = (v: number): boolean => Number.isNaN(v) || !Number.isFinite(v) || Object.is(v, -0);

export function encodeRowOutput(items: readonly unknown[]): Uint8Array {
  const json = JSON.stringify(items, (_k, v: unknown) => (typeof v === 'number' && special(v) ? { $f: Object.is(v, -0) ? '-0' : String(v) } : v));
  return new TextEncoder().encode(json);
}

function revive(_k: string, x: unknown): unknown {
  if (x && typeof x === 'object' && !Array.isArray(x)) {
    const o = x as Record<string, unknown>;
    if (typeof o.$f === 'string' && Object.keys(o).length === 1) return Number(o.$f);
  }
  return x;
}

/** The items, or null when the payload is not a row (the caller recomputes the row). */
export function decodeRowOutput<T>(payload: Uint8Array): T[] | null {
  try {
    const json = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    // A reviver costs a call per value: only rows that hold a special number pay for it.
    const v = (json.includes('{"$f":') ? JSON.parse(json, revive) : JSON.parse(json)) as unknown;
    return Array.isArray(v) ? (v as T[]) : null;
  } catch {
    return null;
  }
}
