/**
 * Attribute schemas for the typed formats (GeoPackage, FlatGeobuf, GeoParquet need their columns before
 * the first feature): the fields each command writes, and inference from features already in memory.
 */
import { EngineError } from '../errors.js';
import type { Feature } from './geojson.js';

export type FieldType = 'integer' | 'real' | 'text' | 'boolean';

export interface FieldSpec {
  name: string;
  type: FieldType;
}

/** `extract`'s properties (see the README's properties list). */
export const EXTRACT_FIELDS: FieldSpec[] = [
  { name: 'id', type: 'integer' },
  { name: 'score', type: 'real' },
  { name: 'area_m2', type: 'real' },
  { name: 'tile', type: 'integer' },
  { name: 'source', type: 'text' },
  { name: 'regularized', type: 'boolean' },
];

/** `vectorize`'s properties. */
export const VECTORIZE_FIELDS: FieldSpec[] = [
  { name: 'id', type: 'integer' },
  { name: 'area_m2', type: 'real' },
  { name: 'pixels', type: 'integer' },
  { name: 'source', type: 'text' },
  { name: 'regularized', type: 'boolean' },
];

function typeOf(v: unknown): FieldType | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= 2 ** 53 ? 'integer' : 'real';
  return 'text';
}

/** Columns for every property seen in `features` (first-seen order): integer widened to real, mixed → text. */
export function inferFields(features: Iterable<Feature>): FieldSpec[] {
  const types = new Map<string, FieldType | null>();
  for (const f of features) {
    for (const [k, v] of Object.entries(f.properties ?? {})) {
      const t = typeOf(v);
      const prev = types.get(k);
      if (prev === undefined || prev === null) types.set(k, t);
      else if (t !== null && t !== prev) types.set(k, (prev === 'integer' && t === 'real') || (prev === 'real' && t === 'integer') ? 'real' : 'text');
    }
  }
  return [...types.entries()].map(([name, t]) => ({ name, type: t ?? 'text' }));
}

/** Checks field names (unique, non-empty, not the geometry column). */
export function checkFields(fields: FieldSpec[], reserved: string[] = ['geometry', 'geom', 'fid', 'bbox']): void {
  const seen = new Set<string>();
  for (const f of fields) {
    if (!f || typeof f.name !== 'string' || f.name === '') throw new EngineError('BAD_INPUT', `field: got ${JSON.stringify(f)}, expected {name, type}`);
    const lower = f.name.toLowerCase();
    if (seen.has(lower)) throw new EngineError('BAD_INPUT', `field ${JSON.stringify(f.name)} appears twice`);
    if (reserved.includes(lower)) throw new EngineError('BAD_INPUT', `field ${JSON.stringify(f.name)}: the name is reserved for the geometry / index columns`);
    if (!['integer', 'real', 'text', 'boolean'].includes(f.type)) throw new EngineError('BAD_INPUT', `field ${f.name}: type ${JSON.stringify(f.type)}, expected integer, real, text or boolean`);
    seen.add(lower);
  }
}

/** A property value converted to the column's type (null when absent or not convertible). */
export function coerce(value: unknown, type: FieldType): number | string | boolean | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer': {
      const n = typeof value === 'boolean' ? Number(value) : Number(value);
      return Number.isFinite(n) ? Math.round(n) : null;
    }
    case 'real': {
      const n = Number(value);
      return typeof value === 'string' && value.trim() === '' ? null : Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : typeof value === 'number' ? value !== 0 : value === 'true' ? true : value === 'false' ? false : null;
    case 'text':
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}
