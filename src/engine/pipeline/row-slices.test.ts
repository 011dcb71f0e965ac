/**
 * A tile row's shaping runs in slices (util/yield-turn): the event loop gets turns in the middle of it,
 * so that a request to the server (a click on the map while a job runs) or a model session waiting for
 * its next tile does not wait for the whole row, and the buildings are the same as in one piece.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { extract } from './extract.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { tmpDir } from '../testing/raster-fixtures.js';
import { setDefaultSliceMs } from '../util/yield-turn.js';

const dir = tmpDir('fsg-slices-');
after(() => rmSync(dir, { recursive: true, force: true }));
const model = await loadSegModel(buildFixtureSegModel(), { name: 'fixture' });
after(() => model.dispose());

// 768² in tiles of 256 with overlap 64: 4 rows of 4 tiles. Squares of 56 px (the fixture's smallest)
// every 96 px, many across a seam (merged there).
const N = 768;
const SQUARES: [number, number, number][] = [];
for (let y = 16; y + 56 < N; y += 96) for (let x = 16; x + 56 < N; x += 96) SQUARES.push([x, y, 56]);
const tif = path.join(dir, 'rows.tif');
writeGeoTiff(tif, { width: N, height: N, bands: squaresBands(N, N, SQUARES), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });

/** Extracts with the given slice; records, for each tile that ends a row, whether a turn of the event
 * loop asked for when the tile arrived came before the progress event that follows the row's shaping. */
async function run(sliceMs: number): Promise<{ json: string; turnedInRow: boolean[]; buildings: number }> {
  const before = setDefaultSliceMs(sliceMs);
  const events: string[] = [];
  const rowEnds: number[] = [];
  try {
    const r = await extract(tif, {
      model, tileSize: 256, overlap: 64, crs: 'native',
      onTile: (t) => {
        if (t.col === 3) {
          rowEnds.push(t.index);
          setImmediate(() => events.push(`turn ${t.index}`));
        }
      },
      onProgress: (p) => events.push(`progress ${p.done}`),
    });
    const turnedInRow = rowEnds.map((k) => {
      const turn = events.indexOf(`turn ${k}`);
      return turn >= 0 && turn < events.indexOf(`progress ${k + 1}`);
    });
    return { json: JSON.stringify(r.collection), turnedInRow, buildings: r.buildings };
  } finally {
    setDefaultSliceMs(before);
  }
}

test("a tile row's shaping gives the event loop turns, and yields the same buildings as in one piece", async () => {
  const whole = await run(Infinity);
  const sliced = await run(0);
  assert.equal(whole.turnedInRow.length, 4);
  // In one piece the row's shaping runs from the tile's arrival to its progress event without a turn…
  assert.deepEqual(whole.turnedInRow, [false, false, false, false]);
  // …in slices (here: a turn before every group and object) the loop gets one in every row.
  assert.deepEqual(sliced.turnedInRow, [true, true, true, true]);
  assert.equal(whole.buildings, SQUARES.length, 'every square found once');
  assert.equal(sliced.json, whole.json, 'the same features, ids and coordinates');
});
