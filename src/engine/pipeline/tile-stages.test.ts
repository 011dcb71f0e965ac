/**
 * The pipeline as a chain of stages: bounded, ordered stage queues (stream.ts); a TileResultStore seam
 * (a hit skips the model, a fresh tile is put); one tile through the model stages on its own gives what
 * extract computes; an abort in the middle of the stream ends it with ABORTED.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { extract } from './extract.js';
import { openExtraction } from './open-extraction.js';
import { segmentTile } from './tile-stages.js';
import { mapOrdered } from './stream.js';
import type { TileResultStore } from './tile-store.js';
import { loadSegModel } from '../model/segmodel.js';
import type { SegModel } from '../model/segmodel.js';
import type { Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const dir = tmpDir('fsg-stages-');
const model = await loadSegModel(buildFixtureSegModel(), { name: 'fixture' });
const SQUARES: [number, number, number][] = [[64, 64, 56], [480, 96, 56], [416, 416, 56], [608, 192, 112], [96, 608, 224], [800, 480, 56]];
const tif = path.join(dir, 'squares.tif');
writeGeoTiff(tif, { width: 1024, height: 1024, bands: squaresBands(1024, 1024, SQUARES), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });

class MemoryStore implements TileResultStore {
  map = new Map<string, SegmentResult>();
  gets = 0;
  puts = 0;
  key = (t: Tile): string => t.window.join(',');
  async get(t: Tile): Promise<SegmentResult | null> {
    this.gets++;
    return structuredClone(this.map.get(this.key(t)) ?? null);
  }
  async put(t: Tile, r: SegmentResult): Promise<void> {
    await new Promise((res) => setImmediate(res)); // a store that takes its time
    this.puts++;
    this.map.set(this.key(t), structuredClone(r));
  }
}

/** The model with a session that refuses to run: any model run fails the extraction. */
const noRuns = (m: SegModel): SegModel => ({ ...m, session: { ...m.session, run: async () => { throw new Error('the model ran'); } } });

test('mapOrdered keeps the source order and holds at most ahead + 1 items in its stage', async () => {
  let inFlight = 0;
  let most = 0;
  const delays = [30, 1, 20, 1, 10, 1, 5, 1];
  const out: number[] = [];
  const stage = mapOrdered(delays.keys(), async (i) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, delays[i]));
    inFlight--;
    return i * 10;
  }, { ahead: 2 });
  for await (const v of stage) out.push(v);
  assert.deepEqual(out, [0, 10, 20, 30, 40, 50, 60, 70]);
  assert.ok(most <= 3 && most >= 2, `at most ahead + 1 in flight, saw ${most}`);
});

test('a tile store: the first run puts every tile, the second takes them all from the store and never runs the model', async () => {
  const store = new MemoryStore();
  const first = await extract(tif, { model, tileSize: 512, overlap: 128, crs: 'native', tileStore: store });
  assert.equal(first.tiles, 9);
  assert.equal(store.puts, 9, 'extract resolves after its puts');
  const second = await extract(tif, { model: noRuns(model), tileSize: 512, overlap: 128, crs: 'native', tileStore: store });
  assert.deepEqual(second.collection, first.collection);
  assert.equal(second.detections, first.detections);
  // Without the store the same model fails: the second run really skipped it.
  await assert.rejects(extract(tif, { model: noRuns(model), tileSize: 512, overlap: 128 }), /the model ran/);
  // Same output as a run without any store.
  const plain = await extract(tif, { model, tileSize: 512, overlap: 128, crs: 'native' });
  assert.deepEqual(plain.collection, first.collection);
  assert.equal(plain.buildings, SQUARES.length);
});

test('one tile through read → preprocess → infer → decode on its own gives what extract hands to onTile', async () => {
  const seen = new Map<number, SegmentResult>();
  await extract(tif, { model, tileSize: 512, overlap: 128, onTile: (t, r) => { seen.set(t.index, r); } });
  const job = await openExtraction(tif, { model, tileSize: 512, overlap: 128 });
  try {
    for (const tile of [job.tiles[0], job.tiles[4], job.tiles[8]]) {
      const one = await segmentTile(job.ctx, tile);
      const want = seen.get(tile.index)!;
      assert.ok(one.result);
      assert.deepEqual(one.result.detections, want.detections);
    }
  } finally {
    await job.close();
  }
});

test('an abort in the middle of the stream ends extract with ABORTED and leaves no tile running', async () => {
  const ac = new AbortController();
  const tiles: number[] = [];
  await assert.rejects(
    extract(tif, { model, tileSize: 256, overlap: 32, signal: ac.signal, onTile: (t) => { tiles.push(t.index); if (tiles.length === 3) ac.abort(); } }),
    (e: any) => e.code === 'ABORTED',
  );
  assert.equal(tiles.length, 3);
  // The model is still usable (nothing left half-run in its worker).
  assert.equal((await extract(tif, { model, tileSize: 512, overlap: 128 })).buildings, SQUARES.length);
});
