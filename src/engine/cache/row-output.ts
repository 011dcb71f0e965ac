/**
 * The payload of a row record (cache/tile-record.ts, "FSGW"): the finished output of one tile row,
 * i.e. the features it produced before ids are given, in a form that replays exactly:
 *
 *   u32 JSON length | JSON (UTF-8) | zero padding to 8 bytes | float64 coordinates (little-endian)
 *
 * Every array of positions (arrays of numbers of one length: a ring, a line) is moved out of the JSON
 * into the float64 block and written as {"$c": [count, dimension]}: 16 bytes a 2-D vertex instead of
 * ~40 characters, and read back without parsing. JSON keeps the other numbers exactly (shortest
 * round-trip form) and objects' key order; the few it would change (-0, NaN, ±Infinity) are written
 * as {"$f": "-0"}. So a replayed row serializes byte for byte like the one that was computed.
 */
const special = (v: number): boolean => Number.isNaN(v) || !Number.isFinite(v) || Object.is(v, -0);

function positionsDim(v: unknown[]): number {
  const first = v[0];
  if (!Array.isArray(first) || first.length === 0) return 0;
  const d = first.length;
  for (const p of v) {
    if (!Array.isArray(p) || p.length !== d) return 0;
    for (const x of p) if (typeof x !== 'number') return 0;
  }
  return d;
}

export function encodeRowOutput(items: readonly unknown[]): Uint8Array {
  const floats: number[] = [];
  const pack = (v: unknown): unknown => {
    if (typeof v === 'number') return special(v) ? { $f: Object.is(v, -0) ? '-0' : String(v) } : v;
    if (Array.isArray(v)) {
      const d = v.length > 0 ? positionsDim(v) : 0;
      if (d > 0) {
        for (const p of v as number[][]) for (const x of p) floats.push(x);
        return { $c: [v.length, d] };
      }
      return v.map(pack);
    }
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = pack(x);
      return o;
    }
    return v;
  };
  const json = new TextEncoder().encode(JSON.stringify(pack(items)));
  const at = (4 + json.length + 7) & ~7;
  const out = new Uint8Array(at + floats.length * 8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, json.length, true);
  out.set(json, 4);
  for (let i = 0; i < floats.length; i++) dv.setFloat64(at + i * 8, floats[i], true);
  return out;
}

/** The items, or null when the payload is not a row (the caller recomputes the row). */
export function decodeRowOutput<T>(payload: Uint8Array): T[] | null {
  try {
    const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const n = dv.getUint32(0, true);
    const at = (4 + n + 7) & ~7;
    if (at > payload.length || (payload.length - at) % 8 !== 0) return null;
    const count = (payload.length - at) / 8;
    const floats = new Float64Array(count);
    for (let i = 0; i < count; i++) floats[i] = dv.getFloat64(at + i * 8, true);
    let next = 0;
    const unpack = (v: unknown): unknown => {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) v[i] = unpack(v[i]);
        return v;
      }
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (Array.isArray(o.$c) && Object.keys(o).length === 1) {
          const [len, d] = o.$c as number[];
          if (!(Number.isInteger(len) && Number.isInteger(d) && len > 0 && d > 0) || next + len * d > count) throw new Error('bad coordinates');
          const ps: number[][] = new Array(len);
          for (let i = 0; i < len; i++) {
            const p: number[] = new Array(d);
            for (let j = 0; j < d; j++) p[j] = floats[next++];
            ps[i] = p;
          }
          return ps;
        }
        if (typeof o.$f === 'string' && Object.keys(o).length === 1) return Number(o.$f);
        for (const k of Object.keys(o)) o[k] = unpack(o[k]);
      }
      return v;
    };
    const v = unpack(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(4, 4 + n))));
    return Array.isArray(v) && next === count ? (v as T[]) : null;
  } catch {
    return null;
  }
}
