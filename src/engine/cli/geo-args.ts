/** Option parsing shared by `extract` and `vectorize` ("got X, expected Y" errors). */
import { EngineError } from '../errors.js';
import { checkOutputPath } from '../util/output-path.js';

export function numberArg(name: string, value: string | undefined, check: (n: number) => boolean = Number.isFinite, expected = 'a number'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) {
    throw new EngineError('BAD_INPUT', `--${name}: got ${JSON.stringify(value)}, expected ${expected}`);
  }
  return n;
}

export function crsArg(value: string | undefined): 'wgs84' | 'native' | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === 'wgs84' || v === 'epsg:4326') return 'wgs84';
  if (v === 'native') return 'native';
  throw new EngineError('BAD_INPUT', `--crs: got ${JSON.stringify(value)}, expected "wgs84" or "native"`);
}

export function bandsArg(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((s) => s.trim());
  const bands = parts.map(Number);
  if (parts.length === 0 || parts.length > 4 || bands.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new EngineError('BAD_INPUT', `--bands: got ${JSON.stringify(value)}, expected 1 to 4 band numbers such as 1,2,3`);
  }
  return bands;
}

export function requireOutput(out: string | undefined, command: string): string {
  if (!out) throw new EngineError('BAD_INPUT', `${command}: missing -o/--output FILE (.geojson, .gpkg, .fgb or .parquet; - for GeoJSON on stdout)`);
  return out;
}

/**
 * Checks an output before any work (util/output-path: not an input, not a link, directory or device);
 * `-` is stdout. The writers check again when they write.
 */
export async function checkCliOutput(out: string, inputs: readonly string[]): Promise<void> {
  if (out === '-') return;
  await checkOutputPath(out, { inputs });
}
