/**
 * The bench's plumbing (no timing assertions: speed targets live only in the bench output): ratio
 * math of --compare, the JSON report shape, argument parsing, GPU detection, mask agreement, and one
 * real end-to-end + bare run and one child-process extraction with the small fixture model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel, squaresImage } from '../testing/fixture-seg-model.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import type { CroppedMask, Detection } from '../types.js';
import { compareReports, formatCompare, readReport } from './compare.js';
import { endToEndRun, oneTileRaster, STAGES } from './end-to-end.js';
import type { BenchReport, Figure } from './figures.js';
import { isBenchReport, targetMet } from './figures.js';
import { bareRun } from './floor.js';
import { detectGpu } from './gpu.js';
import { extractInChild } from './large-cog.js';
import { parseBenchArgs } from './main.js';
import { sideBySide, summarize } from './measure.js';
import { formatReport, formatValue } from './report.js';
import { maskAgreement, maskIoU } from './session-options.js';

function report(figures: Figure[]): BenchReport {
  return {
    schema: 'fastsam-geo-bench/1', date: '2026-01-01T00:00:00.000Z', command: 'fastsam-geo bench',
    machine: { cpus: 2, cpuModel: 'x', memoryGB: 1, node: 'v20', platform: 'linux x64', onnxruntime: '1.30.0' },
    options: {}, figures, notes: ['a note'], failed: [],
  };
}
const fig = (key: string, value: number | null, extra: Partial<Figure> = {}): Figure => ({ key, section: 'S', label: key, value, unit: 'ms', ...extra });

test('compare: current / previous per key; missing, null or zero previous gives null', () => {
  const prev = report([fig('a', 200), fig('b', 50), fig('c', 0), fig('d', null)]);
  const cur = report([fig('a', 300), fig('b', 25), fig('c', 1), fig('d', 4), fig('e', 7)]);
  const rows = compareReports(cur, prev);
  assert.deepEqual(rows.map((r) => [r.key, r.ratio]), [['a', 1.5], ['b', 0.5], ['c', null], ['d', null], ['e', null]]);
  const text = formatCompare(rows, 'prev.json');
  assert.match(text, /a +200 ms → +300 ms +1\.50×/);
  assert.match(text, /e +n\/a → +7\.00 ms +n\/a/);
});

test('report JSON round-trips through --compare and is rejected when it is not a bench report', () => {
  const dir = tmpDir('fsg-bench-test-');
  const r = report([fig('floor.s.640', 305, { target: { max: 400 } }), fig('ratio.s.640', 1.2, { unit: 'ratio', target: { max: 1.1 } })]);
  const file = path.join(dir, 'r.json');
  writeFileSync(file, JSON.stringify(r));
  assert.deepEqual(readReport(file), r);
  assert.ok(isBenchReport(JSON.parse(JSON.stringify(r))));
  writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ figures: [] }));
  assert.throws(() => readReport(path.join(dir, 'bad.json')), (e: unknown) => e instanceof EngineError && e.code === 'BAD_INPUT');
  assert.throws(() => readReport(path.join(dir, 'missing.json')), (e: unknown) => e instanceof EngineError && e.code === 'NOT_FOUND');
  const table = formatReport(r);
  assert.match(table, /### S/);
  assert.match(table, /\| floor\.s\.640 +\| 305 ms +\| ≤ 400 +\| met +\|/);
  assert.match(table, /\| ratio\.s\.640 +\| 1\.20× +\| ≤ 1\.1 +\| MISSED \|/);
  assert.equal(targetMet(fig('x', null, { target: { max: 1 } })), null);
  assert.equal(formatValue(Number.NaN, 'ms'), 'n/a');
});

test('parseBenchArgs: defaults, --quick, --gpu-only, --skip, and named errors', () => {
  const d = parseBenchArgs([])!;
  assert.deepEqual(d.models, ['s', 'x']);
  assert.deepEqual(d.sizes, [640, 1024]);
  assert.deepEqual(d.cogSizes, [2000, 5000, 10000, 20000]);
  assert.deepEqual(d.sections, ['models', 'peer', 'prompts', 'options', 'cog', 'gpu']);
  assert.equal(d.runs, 5);
  assert.equal(d.runsX, 3);
  const q = parseBenchArgs(['--quick'])!;
  assert.deepEqual([q.models, q.runs, q.cogSizes], [['s'], 3, [2000, 5000]]);
  assert.deepEqual(parseBenchArgs(['--gpu-only'])!.sections, ['gpu']);
  assert.deepEqual(parseBenchArgs(['--skip', 'cog,gpu'])!.sections, ['models', 'peer', 'prompts', 'options']);
  assert.equal(parseBenchArgs(['--help']), null);
  const bad = (argv: string[], re: RegExp) => assert.throws(() => parseBenchArgs(argv), (e: unknown) => e instanceof EngineError && e.code === 'BAD_INPUT' && re.test(e.message));
  bad(['--models', 'm'], /--models: got 'm', expected s or x/);
  bad(['--imgsz', '500'], /--imgsz: got 500, expected a multiple of 32/);
  bad(['--runs', '0'], /--runs: got '0', expected an integer ≥ 1/);
  bad(['--skip', 'everything'], /--skip: got 'everything'/);
  bad(['--nope'], /Unknown option '--nope'/);
});

test('detectGpu: SwiftShader or no /dev/nvidia* means no GPU; an NVIDIA device node means one', () => {
  assert.equal(detectGpu({ env: { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' }, dev: ['nvidia0'] }).present, false);
  assert.match(detectGpu({ env: {}, dev: ['null', 'dri'] }).reason, /^no GPU present/);
  assert.equal(detectGpu({ env: {}, dev: ['nvidiactl', 'nvidia0'] }).present, true);
  assert.equal(detectGpu({ env: { FASTSAM_GEO_BENCH_GPU: '0' }, dev: ['nvidia0'] }).present, false);
  assert.equal(detectGpu({ env: { FASTSAM_GEO_BENCH_GPU: '1' }, dev: [] }).present, true);
});

test('summarize and sideBySide: medians, and contenders interleaved run by run after the warm-ups', async () => {
  assert.equal(summarize([3, 1, 2]).median, 2);
  assert.equal(summarize([4, 1, 3, 2]).median, 2.5);
  const order: string[] = [];
  const t = await sideBySide({ a: () => { order.push('a'); return 10; }, b: () => { order.push('b'); return 20; } }, { warmup: 1, runs: 2 });
  assert.deepEqual(order, ['a', 'b', 'a', 'b', 'a', 'b']);
  assert.deepEqual([t.a.median, t.b.median, t.a.runs], [10, 20, 2]);
});

test('maskIoU and maskAgreement on hand-made masks', () => {
  const full = (x: number, y: number, w: number, h: number): CroppedMask => ({ x, y, width: w, height: h, data: new Uint8Array(w * h).fill(1) });
  // 4×4 at (0,0) vs 4×4 at (2,0): intersection 8, union 24.
  assert.equal(maskIoU(full(0, 0, 4, 4), full(2, 0, 4, 4)), 8 / 24);
  const det = (m: CroppedMask): Detection => ({ box: [m.x, m.y, m.x + m.width, m.y + m.height], score: 0.9, classId: 0, mask: m, area: m.width * m.height });
  const a = [det(full(0, 0, 10, 10)), det(full(50, 50, 10, 10))];
  const b = [det(full(1, 0, 10, 10))];
  const g = maskAgreement(a, b);
  assert.deepEqual([g.reference, g.other, g.matched], [2, 1, 1]);
  assert.equal(g.medianMaskIoU, 90 / 110);
});

test('bench plumbing with the fixture model: bare run, end-to-end stages, and a child extraction with peak RSS', async () => {
  const dir = tmpDir('fsg-bench-test-');
  const image = squaresImage(256, 256, [[32, 32, 56], [128, 128, 112]]);
  const raster = oneTileRaster(dir, 'one-tile-256', image);
  const model = await loadSegModel(buildFixtureSegModel(), { intraOpThreads: 1 });
  try {
    const ms = await bareRun(model, image, 256)();
    assert.ok(ms >= 0);
    const r = await endToEndRun(model, raster, { tileSize: 256 });
    assert.deepEqual(Object.keys(r.stages), [...STAGES]);
    assert.ok(Object.values(r.stages).every((v) => v >= 0 && Number.isFinite(v)));
    assert.equal(r.tiles, 1);
    assert.equal(r.buildings, 2);
  } finally {
    await model.dispose();
  }
  const c = await extractInChild(raster, { tileSize: 256, threads: 1 });
  assert.equal(c.tiles, 1);
  assert.equal(c.buildings, 2);
  assert.ok(c.peakRssMB > 10 && c.peakRssMB < 4096, `peak RSS ${c.peakRssMB} MB`);
  assert.deepEqual(Object.keys(c.stages), [...STAGES]);
});
