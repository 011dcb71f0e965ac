/**
 * The per-tile result store on a real directory: round trip, records that must not be trusted (bit
 * flip, zero length, truncation, another version, a record moved onto another window), a full disk
 * (a real 64 KiB tmpfs when this machine can mount one, else a file-size limit), the LRU bound,
 * `cache` listing and clearing, and extract resuming from it with the fixture model.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DirTileStore, clearStore, storeUsage, type StoreJob } from './result-store.js';
import { openResultStore } from './open-result-store.js';
import { resultParams } from './store-identity.js';
import { syntheticTile } from '../testing/fixture-masks.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import type { Tile } from '../raster/tiling.js';
import { extract } from '../pipeline/extract.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';

const dir = tmpDir('fsg-store-');
after(() => rmSync(dir, { recursive: true, force: true }));
const tile = (x: number, y: number, s = 256): Tile => ({ index: 0, row: 0, col: 0, window: [x, y, x + s, y + s] });
const job = (model = 'a'.repeat(64), conf = 0.4): StoreJob => ({
  source: '/data/a.tif', raster: { path: '/data/a.tif', size: 10, mtimeMs: 1 }, model, params: resultParams({ conf }),
});
const same = (a: unknown, b: unknown): void => assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));

test('a stored tile comes back exactly; other params or another window miss; rewriting a tile is harmless', async () => {
  const root = path.join(dir, 'rt');
  const s = new DirTileStore(job(), { root });
  const r = syntheticTile(40, 256, 5);
  assert.equal(await s.get(tile(0, 0)), null);
  await s.put(tile(0, 0), r);
  await s.put(tile(0, 0), r); // a queue retry writes the same tile again
  const back = await s.get(tile(0, 0));
  assert.ok(back);
  same(back!.detections.map((d) => [d.box, d.score, d.area]), r.detections.map((d) => [d.box, d.score, d.area]));
  back!.detections.forEach((d, i) => assert.ok(Buffer.from(d.mask.data).equals(Buffer.from(r.detections[i].mask.data))));
  assert.equal(await new DirTileStore(job('a'.repeat(64), 0.5), { root }).get(tile(0, 0)), null);
  assert.equal(await new DirTileStore(job('b'.repeat(64)), { root }).get(tile(0, 0)), null);
  assert.equal(await s.get(tile(128, 0)), null);
  assert.deepEqual(readdirSync(s.dir).sort(), ['0_0_256_256.tile', 'job.json']);
  assert.deepEqual({ hits: s.stats.hits, puts: s.stats.puts }, { hits: 1, puts: 2 });
});

test('corrupt records are refused and removed: bit flip, zero length, truncated, another version, moved to another window', async () => {
  const root = path.join(dir, 'bad');
  const s = new DirTileStore(job(), { root });
  const r = syntheticTile(10, 256, 2);
  const damage: Record<string, (b: Buffer) => Buffer> = {
    'bit flip': (b) => { const c = Buffer.from(b); c[c.length - 7] ^= 0x10; return c; },
    'zero length': () => Buffer.alloc(0),
    truncated: (b) => b.subarray(0, b.length - 100),
    'version 2': (b) => { const c = Buffer.from(b); c.writeUInt32LE(2, 4); return c; },
    'flipped checksum': (b) => { const c = Buffer.from(b); c[20] ^= 1; return c; },
  };
  for (const [name, hurt] of Object.entries(damage)) {
    await s.put(tile(0, 0), r);
    const f = s.file([0, 0, 256, 256]);
    writeFileSync(f, hurt(readFileSync(f)));
    assert.equal(await s.get(tile(0, 0)), null, name);
    assert.throws(() => statSync(f), /ENOENT/, `${name}: removed`);
  }
  await s.put(tile(0, 0), r);
  copyFileSync(s.file([0, 0, 256, 256]), s.file([128, 0, 384, 256]));
  assert.equal(await s.get(tile(128, 0)), null, 'a record renamed onto another window');
  assert.equal(s.stats.bad, 6);
  assert.ok(await s.get(tile(0, 0)));
});

function mountTmpfs(at: string): boolean {
  mkdirSync(at, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', at]).status === 0;
}

test('a full disk degrades to "not cached" with one warning, never a failed put', async () => {
  const r = syntheticTile(100, 512, 3); // ~27 KB a record: the third does not fit in 64 KiB
  const at = path.join(dir, 'full');
  if (mountTmpfs(at)) {
    try {
      const warnings: string[] = [];
      const s = new DirTileStore(job(), { root: at, onWarning: (m) => warnings.push(m) });
      for (let k = 0; k < 6; k++) await s.put(tile(k * 256, 0), r);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], /NO_SPACE|ENOSPC/);
      assert.ok(s.stats.puts >= 1 && s.stats.failedPuts >= 1, JSON.stringify(s.stats));
      assert.ok(await s.get(tile(0, 0)));
      // no temp files left behind by the failed writes
      assert.deepEqual(readdirSync(s.dir).filter((n) => n.endsWith('.tmp')), []);
    } finally {
      spawnSync('umount', [at]);
    }
  } else {
    // No mount here (not root / no CAP_SYS_ADMIN): the same path through a file-size limit (EFBIG).
    const script = `import('${pathToLib('cache/result-store.js')}').then(async (m) => {
      const { syntheticTile } = await import('${pathToLib('testing/fixture-masks.js')}');
      const w = []; const s = new m.DirTileStore(${JSON.stringify(job())}, { root: ${JSON.stringify(at)}, onWarning: (x) => w.push(x) });
      for (let k = 0; k < 4; k++) await s.put({ index: 0, row: 0, col: 0, window: [k * 256, 0, k * 256 + 256, 256] }, syntheticTile(100, 512, 3));
      console.log(JSON.stringify({ w, stats: s.stats }));
    })`;
    const out = spawnSync('bash', ['-c', `ulimit -f 16 && ${JSON.stringify(process.execPath)} --input-type=module -e ${JSON.stringify(script)}`], { encoding: 'utf8' });
    const res = JSON.parse(out.stdout);
    assert.equal(res.w.length, 1);
    assert.equal(res.stats.puts, 0);
  }
});

function pathToLib(rel: string): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), '..', rel);
}

test('the size bound evicts the least recently used tiles of other jobs first; cache lists and clears per raster', async () => {
  const root = path.join(dir, 'lru');
  const r = syntheticTile(50, 256, 4);
  const a = new DirTileStore(job('a'.repeat(64)), { root, maxBytes: 1e9 });
  for (let k = 0; k < 4; k++) await a.put(tile(k * 256, 0), r);
  const size = statSync(a.file([0, 0, 256, 256])).size;
  // tile 0 is read later than the others: it is the most recently used of job a
  for (let k = 0; k < 4; k++) utimesSync(a.file([k * 256, 0, k * 256 + 256, 256]), new Date(), new Date(Date.now() - (k + 1) * 60_000));
  await a.get(tile(0, 0));
  const b = new DirTileStore({ ...job('b'.repeat(64)), source: '/data/b.tif', raster: { path: '/data/b.tif', size: 1, mtimeMs: 1 } }, { root, maxBytes: size * 5.5 });
  for (let k = 0; k < 3; k++) await b.put(tile(k * 256, 0), r);
  const left = readdirSync(a.dir).filter((n) => n.endsWith('.tile')).sort();
  assert.ok(left.includes('0_0_256_256.tile'), `the recently read tile stays: ${left}`);
  assert.ok(left.length < 4, `some of job a went: ${left}`);
  assert.equal(readdirSync(b.dir).filter((n) => n.endsWith('.tile')).length, 3, 'the running job keeps all its tiles');
  const u = await storeUsage(root);
  assert.deepEqual(u.map((x) => [x.source, x.tiles]).sort(), [['/data/a.tif', left.length], ['/data/b.tif', 3]]);
  assert.equal(u.reduce((s, x) => s + x.bytes, 0), size * (left.length + 3));
  assert.deepEqual(await clearStore(root, '/data/b.tif'), { tiles: 3, bytes: size * 3 });
  assert.deepEqual((await storeUsage(root)).map((x) => x.source), ['/data/a.tif']);
  await clearStore(root);
  assert.deepEqual(await storeUsage(root), []);
});

test('extract resumes from the store: a rerun runs no model and gives the same collection', async () => {
  const model = path.join(dir, 'fixture.onnx');
  writeFileSync(model, buildFixtureSegModel());
  const tif = path.join(dir, 'sq.tif');
  // 256 tiles with overlap 64 start at 0, 192, 384: every square lies whole in a tile, on its stride
  const SQ: [number, number, number][] = [[64, 64, 56], [256, 64, 56], [448, 320, 56], [128, 448, 56]];
  writeGeoTiff(tif, { width: 640, height: 640, bands: squaresBands(640, 640, SQ), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
  const root = path.join(dir, 'ex');
  const opts = { model, tileSize: 256, overlap: 64 };
  const plain = await extract(tif, opts);
  const s1 = (await openResultStore(tif, opts, { root }))!;
  const first = await extract(tif, { ...opts, tileStore: s1 });
  assert.equal(s1.stats.hits, 0);
  assert.equal(s1.stats.puts, first.tiles);
  const s2 = (await openResultStore(tif, opts, { root }))!;
  const second = await extract(tif, { ...opts, tileStore: s2 });
  assert.equal(s2.stats.hits, second.tiles);
  assert.equal(second.timings.model, 0);
  assert.equal(second.buildings, SQ.length);
  same(second.collection, plain.collection);
  same(first.collection, plain.collection);
  // other thresholds: another job, nothing shared
  const s3 = (await openResultStore(tif, { ...opts, conf: 0.5 }, { root }))!;
  assert.equal(await s3.get({ index: 0, row: 0, col: 0, window: [0, 0, 256, 256] }), null);
  // a touched raster is another raster
  utimesSync(tif, new Date(), new Date(Date.now() + 10_000));
  const s4 = (await openResultStore(tif, opts, { root }))!;
  assert.equal(await s4.get({ index: 0, row: 0, col: 0, window: [0, 0, 256, 256] }), null);
});

test('row records replay exact numbers: -0, NaN, ±Infinity, subnormals and shortest-form doubles, in and out of coordinate blocks', async () => {
  const { decodeRowOutput, encodeRowOutput } = await import('./row-output.js');
  const ring = [[0, -0], [NaN, 5e-324], [Infinity, -Infinity], [0.1 + 0.2, -1.7976931348623157e308], [0, -0]];
  const items = [
    { key: [0, -0], v: [NaN, Infinity, 5e-324, 0.1 + 0.2], s: '$f', o: { $f: 1 }, g: { type: 'Polygon', coordinates: [ring, [[1, 2, 3], [4, 5, 6]]] }, e: [] },
    { key: [1, 2], g: { type: 'MultiPolygon', coordinates: [[ring], [ring.slice(1)]] }, n: null },
  ];
  const bytes = encodeRowOutput(items);
  const back = decodeRowOutput<typeof items[0]>(bytes)!;
  const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : v && typeof v === 'object' ? Object.values(v).flatMap(flat) : [v]);
  const want = flat(items);
  const got = flat(back);
  assert.equal(got.length, want.length);
  want.forEach((x, i) => assert.ok(Object.is(got[i], x), `${i}: ${String(got[i])} vs ${String(x)}`));
  assert.equal(JSON.stringify(back), JSON.stringify(items), 'same key order and structure');
  assert.equal(decodeRowOutput(new TextEncoder().encode('{"not":"a row"}')), null);
  assert.equal(decodeRowOutput(new Uint8Array([0xff, 0xfe])), null);
  assert.equal(decodeRowOutput(bytes.subarray(0, bytes.length - 8)), null, 'a coordinate block cut short');
});

/** Records the tiles whose masks are decoded from the store. */
function spyGets(s: DirTileStore): Tile[] {
  const gets: Tile[] = [];
  const get = s.get.bind(s);
  s.get = (t: Tile) => { gets.push(t); return get(t); };
  return gets;
}

test('a rerun with the same settings replays finished rows byte for byte; other settings reuse the tiles only; bad or stale rows are recomputed', async () => {
  const model = path.join(dir, 'fixture-rows.onnx');
  writeFileSync(model, buildFixtureSegModel());
  const tif = path.join(dir, 'rows.tif');
  // 16 tiles in 4 rows; squares the fixture sees, some in two tiles (merged at the seams), two 8 px apart
  const SQ: [number, number, number][] = [[64, 64, 56], [200, 64, 56], [320, 200, 56], [128, 400, 56], [400, 400, 56], [560, 560, 56], [264, 120, 56], [328, 120, 56]];
  writeGeoTiff(tif, { width: 700, height: 700, bands: squaresBands(700, 700, SQ), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
  const root = path.join(dir, 'rows');
  const base = { model, tileSize: 256, overlap: 64 };
  const text = (r: { collection: unknown }): string => JSON.stringify(r.collection);
  for (const settings of [{ regularize: false }, { regularize: true }, { regularize: true, simplify: 1, sharedWalls: false }]) {
    const opts = { ...base, ...settings };
    const plain = text(await extract(tif, opts));
    const s1 = (await openResultStore(tif, opts, { root }))!;
    const first = await extract(tif, { ...opts, tileStore: s1 });
    assert.equal(text(first), plain, `${JSON.stringify(settings)}: first run`);
    assert.equal(s1.rowStats.hits, 0);
    assert.equal(s1.rowStats.puts, 4, 'one record per tile row');
    const s2 = (await openResultStore(tif, opts, { root }))!;
    const gets = spyGets(s2);
    const second = await extract(tif, { ...opts, tileStore: s2 });
    assert.equal(s2.stats.hits, second.tiles, 'the tiles come from the store');
    assert.equal(gets.length, 0, 'fully cached: records checked, no mask decoded');
    assert.equal(second.detections, first.detections);
    assert.deepEqual(s2.rowStats, { hits: 4, misses: 0, puts: 0 }, `${JSON.stringify(settings)}: every row replayed`);
    assert.equal(second.timings.geo, 0, 'nothing traced or shaped');
    assert.equal(text(second), plain, `${JSON.stringify(settings)}: replayed byte for byte`);
    assert.equal(JSON.parse(plain).features.length, SQ.length);
  }
  // A per-tile callback needs every tile's masks: the tiles are decoded, the rows still replayed.
  {
    const opts = { ...base, regularize: true };
    const s = (await openResultStore(tif, opts, { root }))!;
    const gets = spyGets(s);
    let seen = 0;
    const r = await extract(tif, { ...opts, tileStore: s, onTile: () => { seen++; } });
    assert.deepEqual([seen, gets.length, s.rowStats.hits], [16, 16, 4]);
    assert.equal(text(r), text(await extract(tif, opts)));
  }
  // A bit-flipped tile record is refused on the fully cached path too: that tile runs the model again,
  // gives the same record, and the rows replay.
  {
    const opts = { ...base, regularize: true };
    const s = (await openResultStore(tif, opts, { root }))!;
    const f = s.file([192, 192, 448, 448]);
    const b = readFileSync(f);
    b[b.length - 5] ^= 0x20;
    writeFileSync(f, b);
    const r = await extract(tif, { ...opts, tileStore: s });
    assert.deepEqual([s.stats.bad, s.stats.hits, s.stats.puts, s.rowStats.hits], [1, 15, 1, 4]);
    assert.ok(r.timings.model > 0);
    assert.equal(text(r), text(await extract(tif, opts)));
  }
  // The three settings share the tile records (one job) and keep their own rows.
  const s = (await openResultStore(tif, base, { root }))!;
  const rows = readdirSync(s.dir).filter((n) => n.endsWith('.row'));
  assert.equal(rows.length, 12);
  assert.equal(readdirSync(s.dir).filter((n) => n.endsWith('.tile')).length, 16);

  // A row record that does not check out is refused, removed and recomputed.
  const opts = { ...base, regularize: true };
  const plain = text(await extract(tif, opts));
  const before = new Set(readdirSync(s.dir));
  for (const n of rows) {
    const f = path.join(s.dir, n);
    const b = readFileSync(f);
    b[b.length - 3] ^= 0x04;
    writeFileSync(f, b);
  }
  const s3 = (await openResultStore(tif, opts, { root }))!;
  assert.equal(text(await extract(tif, { ...opts, tileStore: s3 })), plain, 'recomputed after bit flips');
  assert.deepEqual([s3.rowStats.hits, s3.rowStats.puts, s3.stats.bad], [0, 4, 4]);
  assert.equal(readdirSync(s.dir).filter((n) => n.endsWith('.row')).length, 12, 'the other settings\' flipped rows were not read; these four are replaced');
  assert.ok([...before].filter((n) => n.endsWith('.tile')).every((n) => readdirSync(s.dir).includes(n)));

  // A tile record that changes (recomputed elsewhere, another result) changes its row and every later
  // row; rows before it replay. The output is what an uncached merge of the same records gives.
  const t = { index: 9, row: 2, col: 1, window: [192, 384, 448, 640] as [number, number, number, number] };
  const s4 = (await openResultStore(tif, opts, { root }))!;
  assert.ok(await s4.get(t));
  await s4.put(t, { ...syntheticTile(3, 256, 9), image: { width: 256, height: 256 } });
  const s5 = (await openResultStore(tif, opts, { root }))!;
  const changed = text(await extract(tif, { ...opts, tileStore: s5 }));
  assert.deepEqual([s5.rowStats.hits, s5.rowStats.misses, s5.rowStats.puts], [2, 2, 2]);
  const noRows = { get: s5.get.bind(s5), put: s5.put.bind(s5) };
  assert.equal(changed, text(await extract(tif, { ...opts, tileStore: noRows })), 'same as merging the records without rows');
  assert.notEqual(changed, plain);
});

test('the size bound and `cache` count row records; eviction removes them like tiles', async () => {
  const root = path.join(dir, 'lru-rows');
  const r = syntheticTile(20, 256, 6);
  const a = new DirTileStore(job('a'.repeat(64)), { root, maxBytes: 1e9 });
  for (let k = 0; k < 2; k++) await a.put(tile(k * 256, 0), r);
  await a.putRow('f'.repeat(64), new Uint8Array(20_000));
  const tileSize = statSync(a.file([0, 0, 256, 256])).size;
  const rowSize = statSync(a.rowFile('f'.repeat(64))).size;
  assert.ok(rowSize > 20_000);
  const u = await storeUsage(root);
  assert.deepEqual([u[0].tiles, u[0].rows, u[0].bytes], [2, 1, 2 * tileSize + rowSize]);
  assert.ok(await a.getRow('f'.repeat(64)));
  assert.equal(await a.getRow('e'.repeat(64)), null);
  // the row is the least recently used record of job a: another job's writes past the bound evict it first
  utimesSync(a.rowFile('f'.repeat(64)), new Date(), new Date(Date.now() - 3_600_000));
  const b = new DirTileStore({ ...job('b'.repeat(64)), source: '/data/b.tif', raster: { path: '/data/b.tif', size: 1, mtimeMs: 1 } }, { root, maxBytes: 2 * tileSize + rowSize + tileSize / 2 });
  await b.put(tile(0, 0), r);
  assert.equal(await a.getRow('f'.repeat(64)), null, 'evicted');
  assert.equal(readdirSync(a.dir).filter((n) => n.endsWith('.tile')).length, 2);
  assert.deepEqual(await clearStore(root), { tiles: 3, bytes: 3 * tileSize });
});
