/**
 * `--compare previous.json`: ratios current / previous per figure (matched by key). For times a
 * ratio above 1 is slower; for every figure it is plain division, no interpretation.
 */
import { readFileSync } from 'node:fs';
import { EngineError } from '../errors.js';
import type { BenchReport, Unit } from './figures.js';
import { isBenchReport } from './figures.js';
import { formatValue } from './report.js';

export interface CompareRow {
  key: string;
  label: string;
  unit: Unit;
  previous: number | null;
  current: number | null;
  /** current / previous; null when either is missing or previous is 0. */
  ratio: number | null;
}

export function readReport(file: string): BenchReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngineError('NOT_FOUND', `--compare: ${file} not found`);
    throw new EngineError('BAD_INPUT', `--compare: ${file} is not JSON (${(err as Error).message})`);
  }
  if (!isBenchReport(parsed)) throw new EngineError('BAD_INPUT', `--compare: ${file} is not a bench report (expected schema fastsam-geo-bench/1 with figures)`);
  return parsed;
}

export function compareReports(current: BenchReport, previous: BenchReport): CompareRow[] {
  const prev = new Map(previous.figures.map((f) => [f.key, f]));
  return current.figures.map((f) => {
    const p = prev.get(f.key);
    const pv = p?.value ?? null;
    const cv = f.value;
    const ok = (v: number | null): v is number => v !== null && Number.isFinite(v);
    return { key: f.key, label: f.label, unit: f.unit, previous: pv, current: cv, ratio: ok(pv) && ok(cv) && pv !== 0 ? cv / pv : null };
  });
}

export function formatCompare(rows: CompareRow[], previousLabel: string): string {
  const lines = [`current / previous (${previousLabel}):`];
  const w = Math.max(...rows.map((r) => r.label.length), 6);
  for (const r of rows) {
    const ratio = r.ratio === null ? 'n/a' : `${r.ratio.toFixed(2)}×`;
    lines.push(`  ${r.label.padEnd(w)}  ${formatValue(r.previous, r.unit).padStart(10)} → ${formatValue(r.current, r.unit).padStart(10)}  ${ratio}`);
  }
  return lines.join('\n');
}
