/**
 * Resume after a crash, as a user meets it: a real `fastsam-geo extract` child is killed with SIGKILL
 * after its first tile, in the middle of a tile row and while it writes the output; the rerun says
 * "resumed k/N tiles" and writes exactly what an uninterrupted run writes (the same file, byte for byte);
 * a rerun after the rows were finished replays them (pipeline/row-replay.ts) instead of vectorizing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/fastsam-geo.js', import.meta.url));
const dir = tmpDir('fsg-resume-');
after(() => rmSync(dir, { recursive: true, force: true }));
const model = path.join(dir, 'fixture.onnx');
writeFileSync(model, buildFixtureSegModel());
// 1024×768, tiles of 256 with overlap 64: columns start at 0, 192, 384, 576, 768, rows at 0, 192, 384, 512
// (20 tiles). Squares on the fixture's stride, some cut by tile edges.
const SQ: [number, number, number][] = [[64, 64, 56], [256, 64, 56], [448, 320, 56], [128, 448, 56], [600, 600, 112], [832, 64, 56], [704, 256, 56]];
const tif = path.join(dir, 'area.tif');
writeGeoTiff(tif, { width: 1024, height: 768, bands: squaresBands(1024, 768, SQ), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
const TILES = 20;
const args = (out: string): string[] => [bin, 'extract', tif, '--model', model, '--tile-size', '256', '--overlap', '64', '-o', out];
const envFor = (store: string): NodeJS.ProcessEnv => ({ ...process.env, FASTSAM_GEO_RESULTS: store });

function run(out: string, store: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, args(out), { encoding: 'utf8', env: envFor(store) });
  return { status: r.status, stderr: r.stderr };
}

function countTiles(store: string, ext = '.tile'): number {
  let n = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith(ext)) n++;
    }
  };
  if (existsSync(store)) walk(store);
  return n;
}

/** Starts the extract and SIGKILLs it when `when` becomes true (checked on every file event / 2 ms). */
function killWhen(out: string, store: string, when: () => boolean, watchDir?: string): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args(out), { env: envFor(store), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let killed = false;
    const check = (): void => {
      if (!killed && when()) {
        killed = child.kill('SIGKILL');
      }
    };
    const w = watchDir ? watch(watchDir, check) : null;
    const timer = setInterval(check, 2);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      w?.close();
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`extract exited ${code}: ${stderr}`));
      else resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

const reference = path.join(dir, 'reference.geojson');
const features = (f: string): unknown => JSON.parse(readFileSync(f, 'utf8'));
const ROWS = 4;
/** The same features, and the same file byte for byte. */
function sameOutput(out: string): void {
  assert.deepEqual(features(out), features(reference));
  assert.ok(readFileSync(out).equals(readFileSync(reference)), `${out}: not byte for byte the reference`);
}

test('an uninterrupted run: the reference (and a rerun of it resumes every tile)', () => {
  const store = path.join(dir, 'store-ref');
  const r = run(reference, store);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /resumed/);
  assert.match(r.stderr, new RegExp(`[1-9]\\d* buildings from ${TILES} tiles`));
  const again = path.join(dir, 'again.geojson');
  const r2 = run(again, store);
  assert.match(r2.stderr, new RegExp(`resumed ${TILES}/${TILES} tiles`));
  assert.equal(countTiles(store, '.row'), ROWS, 'one finished-output record per tile row, replayed by the rerun');
  sameOutput(again);
  // `fastsam-geo cache`: the raster's size and tiles; `cache clear RASTER` removes them.
  const cache = (...a: string[]) => spawnSync(process.execPath, [bin, 'cache', ...a], { encoding: 'utf8', env: envFor(store) });
  const listed = JSON.parse(cache('--json').stdout);
  assert.equal(listed.rasters.length, 1);
  assert.equal(listed.rasters[0].source, tif);
  assert.equal(listed.rasters[0].tiles, TILES);
  assert.ok(listed.rasters[0].bytes > 0);
  assert.match(cache().stdout, new RegExp(`${TILES} tiles +${ROWS} rows .*area\\.tif`));
  assert.match(cache('clear', tif).stdout, new RegExp(`removed ${TILES} tiles`));
  assert.equal(countTiles(store), 0);
  assert.equal(cache('clear', tif).status, 1, 'nothing left to clear: NOT_FOUND');
});

for (const [name, atTiles] of [['after the first tile', 1], ['in the middle of the second tile row', 7]] as const) {
  test(`kill -9 ${name}: the rerun resumes the finished tiles and writes the same features`, async () => {
    const store = path.join(dir, `store-${atTiles}`);
    const out = path.join(dir, `out-${atTiles}.geojson`);
    const { killed } = await killWhen(out, store, () => countTiles(store) >= atTiles);
    assert.ok(killed, 'the run was killed before it finished');
    assert.ok(!existsSync(out), 'no output from the killed run');
    const done = countTiles(store);
    assert.ok(done >= atTiles && done < TILES, `${done} tiles stored`);
    const r = run(out, store);
    assert.equal(r.status, 0, r.stderr);
    const m = /resumed (\d+)\/(\d+) tiles/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(Number(m![2]), TILES);
    assert.equal(Number(m![1]), done, 'every stored tile is reused');
    sameOutput(out);
  });
}

test('kill -9 while the output is being written: no half-written file; the rerun resumes the stored tiles and rows and writes the same file', async () => {
  const store = path.join(dir, 'store-write');
  const outDir = path.join(dir, 'write');
  spawnSync('mkdir', ['-p', outDir]);
  const out = path.join(outDir, 'out.geojson');
  // The output streams into a temp file beside it from the start (renamed when whole): kill once it is
  // open and the first tile row is finished (its features may be in the temp file already).
  const { killed } = await killWhen(out, store, () => readdirSync(outDir).some((n) => n.endsWith('.tmp')) && countTiles(store, '.row') >= 1, outDir);
  assert.ok(killed);
  const done = countTiles(store);
  assert.ok(done >= 5, `${done} tiles stored`);
  assert.ok(countTiles(store, '.row') >= 1, 'the finished rows are stored');
  // Either the rename had not happened (no output) or it had (then the file is whole): never a partial file.
  if (existsSync(out)) sameOutput(out);
  const r = run(out, store);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`resumed ${done}/${TILES} tiles`));
  assert.equal(countTiles(store, '.row'), ROWS);
  sameOutput(out);
});
