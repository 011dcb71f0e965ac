/**
 * The bench's data model: a flat list of figures (each with a stable key, so a later run can be
 * compared figure by figure) and the report that carries them as JSON.
 */
export type Unit = 'ms' | 'MB' | 'ratio' | 'count' | 'IoU' | '%';

export interface Figure {
  /** Stable id, e.g. 'e2e.s.1024.ratio'; compare matches on it. */
  key: string;
  /** Table section, e.g. 'Model floor vs end to end (cpu)'. */
  section: string;
  label: string;
  /** null: not measured (e.g. no GPU); `note` says why. */
  value: number | null;
  unit: Unit;
  /** A target the value should meet (shown as met / MISSED). */
  target?: { max?: number; min?: number };
  note?: string;
}

export interface BenchReport {
  schema: 'fastsam-geo-bench/1';
  date: string;
  /** The command line that made it. */
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGB: number; node: string; platform: string; onnxruntime: string };
  options: Record<string, unknown>;
  figures: Figure[];
  notes: string[];
  /** Sections that failed (their error is in notes). */
  failed: string[];
}

export function targetMet(f: Figure): boolean | null {
  if (!f.target || f.value === null || !Number.isFinite(f.value)) return null;
  if (f.target.max !== undefined && !(f.value <= f.target.max)) return false;
  if (f.target.min !== undefined && !(f.value >= f.target.min)) return false;
  return true;
}

export function targetText(f: Figure): string {
  if (!f.target) return '';
  const parts: string[] = [];
  if (f.target.max !== undefined) parts.push(`≤ ${f.target.max}`);
  if (f.target.min !== undefined) parts.push(`≥ ${f.target.min}`);
  return parts.join(', ');
}

/** Checks a parsed JSON file is a bench report (for --compare). */
export function isBenchReport(x: unknown): x is BenchReport {
  const r = x as BenchReport;
  return !!r && r.schema === 'fastsam-geo-bench/1' && Array.isArray(r.figures)
    && r.figures.every((f) => typeof f.key === 'string' && (f.value === null || typeof f.value === 'number'));
}
