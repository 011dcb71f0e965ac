/** Prints a bench report as a plain-text table, section by section (also used for BENCHMARKS.md). */
import type { BenchReport, Figure, Unit } from './figures.js';
import { targetMet, targetText } from './figures.js';

export function formatValue(v: number | null, unit: Unit): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  switch (unit) {
    case 'ms': return `${Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3)} ms`;
    case 'MB': return `${v.toFixed(0)} MB`;
    case 'ratio': return `${v.toFixed(2)}×`;
    case 'IoU': return v.toFixed(3);
    case '%': return `${v.toFixed(1)} %`;
    default: return String(Math.round(v * 1000) / 1000);
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function rows(figures: Figure[]): string[][] {
  return figures.map((f) => {
    const met = targetMet(f);
    return [f.label, formatValue(f.value, f.unit), targetText(f), met === null ? '' : met ? 'met' : 'MISSED', f.note ?? ''];
  });
}

/** Markdown-compatible table lines (| a | b |), one table per section. */
export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  const sections = [...new Set(report.figures.map((f) => f.section))];
  for (const sec of sections) {
    const r = rows(report.figures.filter((f) => f.section === sec));
    const head = ['figure', 'value', 'target', '', 'note'];
    const w = head.map((h, i) => Math.max(h.length, ...r.map((x) => x[i].length)));
    out.push(`### ${sec}`, '');
    out.push(`| ${head.map((h, i) => pad(h, w[i])).join(' | ')} |`);
    out.push(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
    for (const x of r) out.push(`| ${x.map((c, i) => pad(c, w[i])).join(' | ')} |`);
    out.push('');
  }
  if (report.notes.length) {
    out.push('Notes:');
    for (const n of report.notes) out.push(`- ${n}`);
  }
  return out.join('\n');
}
