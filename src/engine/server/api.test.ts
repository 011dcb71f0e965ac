// The HTTP API end to end on loopback, with the real engine: raster metadata of a real GeoTIFF
// (checked against gdalinfo), a segment job on the fixture model with progress over SSE, cancel,
// prompts (coordinates from GDAL's gdaltransform), export of the result.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../testing/server.js';
import { copyAtlanta, gdalinfo, pixelToLonLat, PIXEL, SQUARES, writeFixtureModel, writeSquaresTif } from '../testing/server-data.js';
import { tmpDir } from '../testing/raster-fixtures.js';

let t: TestServer;
let atlanta: string;

before(async () => {
  const models = tmpDir('fsg-models-');
  const model = writeFixtureModel(models);
  t = await startTestServer({ backendOptions: { model, cacheDir: null } });
  atlanta = copyAtlanta(t.root);
  await writeSquaresTif(t.root);
});
after(() => t.close());

interface Sse { event: string; data: any }

/** Reads a job's event stream to its end. */
async function readEvents(id: string, onEvent?: (e: Sse) => void): Promise<Sse[]> {
  const res = await t.api(`/api/jobs/${id}/events`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: Sse[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (block.startsWith(':')) continue;
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null');
      events.push({ event, data });
      onEvent?.({ event, data });
    }
  }
  return events;
}

test('GET /api/raster describes a real GeoTIFF as gdalinfo does', async () => {
  const res = await t.api('/api/raster?path=atlanta.tif');
  assert.equal(res.status, 200);
  const info = await res.json() as any;
  const g = gdalinfo(atlanta);
  assert.equal(info.path, 'atlanta.tif');
  assert.deepEqual([info.width, info.height], g.size);
  assert.equal(info.bands, g.bands.length);
  assert.equal(info.dtype, g.bands[0].type.toLowerCase());
  assert.equal(info.crs, 'EPSG:32616');
  assert.equal(info.nodata, g.bands[0].noDataValue);
  const [gx, gy] = [g.geoTransform[0], g.geoTransform[3]];
  assert.deepEqual(info.bounds, [gx, gy + g.size[1] * g.geoTransform[5], gx + g.size[0] * g.geoTransform[1], gy]);
  assert.deepEqual(info.resolution, [g.geoTransform[1], -g.geoTransform[5]]);
  // WGS84 extent: gdalinfo's wgs84Extent polygon
  const ring = g.wgs84Extent.coordinates[0] as number[][];
  const ref = [Math.min(...ring.map((p) => p[0])), Math.min(...ring.map((p) => p[1])), Math.max(...ring.map((p) => p[0])), Math.max(...ring.map((p) => p[1]))];
  info.bounds_wgs84.forEach((v: number, k: number) => assert.ok(Math.abs(v - ref[k]) < 1e-6, `bounds_wgs84[${k}] ${v} vs gdal ${ref[k]}`));
  // the display stretch lies within the band's real range
  assert.equal(info.stretch.length, 1);
  const [lo, hi] = info.stretch[0];
  assert.ok(lo >= g.bands[0].computedMin && hi <= g.bands[0].computedMax && lo < hi, `stretch ${lo}..${hi}`);
  assert.deepEqual(info.overviews, []);
});

test('a segment job on the fixture model streams progress to done; its result has the squares as buildings', async () => {
  const res = await t.api('/api/jobs', { method: 'POST', json: { path: 'squares.tif', options: { regularize: false } } });
  assert.equal(res.status, 202);
  const job = await res.json() as any;
  assert.match(job.id, /^[0-9a-f-]{36}$/);
  assert.ok(['queued', 'running'].includes(job.status));
  assert.equal(job.total, 16, '640² raster, 256² tiles with 128 overlap → 4×4 tiles');
  const events = await readEvents(job.id);
  const progress = events.filter((e) => e.event === 'progress').map((e) => e.data.done);
  assert.deepEqual(progress.at(-1), 16);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1], 'progress never goes back');
  assert.equal(events.at(-1)!.event, 'done');
  assert.equal(events.at(-1)!.data.status, 'done');
  const polled = await (await t.api(`/api/jobs/${job.id}`)).json() as any;
  assert.deepEqual(polled, { id: job.id, status: 'done', done: 16, total: 16 });
  const fc = await (await t.api(`/api/jobs/${job.id}/result`)).json() as any;
  assert.equal(fc.type, 'FeatureCollection');
  assert.equal(fc.features.length, SQUARES.length);
  for (const f of fc.features) {
    assert.equal(f.geometry.type, 'Polygon');
    const area = f.properties.area_m2;
    // 56 × 56 pixels of 0.5 m = 784 m², less the four corner pixels the fixture's mask rounds off
    assert.ok(Math.abs(area - (56 * 56 - 4) * PIXEL * PIXEL) < 0.01, `area ${area}`);
    assert.equal(f.properties.source, 'squares.tif');
    for (const k of ['id', 'score', 'tile']) assert.ok(k in f.properties, k);
  }
  // each square's centre (GDAL) lies inside one feature's bbox
  for (const [x, y, s] of SQUARES) {
    const [lon, lat] = pixelToLonLat(x + s / 2, y + s / 2);
    const hits = fc.features.filter((f: any) => {
      const ring = f.geometry.coordinates[0] as number[][];
      return lon > Math.min(...ring.map((p) => p[0])) && lon < Math.max(...ring.map((p) => p[0])) &&
        lat > Math.min(...ring.map((p) => p[1])) && lat < Math.max(...ring.map((p) => p[1]));
    });
    assert.equal(hits.length, 1, `square at ${x},${y}`);
  }
});

test('a job on the real SpaceNet GeoTIFF runs to completion; cancel stops a running job', async () => {
  const r1 = await t.api('/api/jobs', { method: 'POST', json: { path: 'atlanta.tif' } });
  const j1 = await r1.json() as any;
  assert.equal(j1.total, 49, '900² raster → 7×7 tiles of 256² with 128 overlap');
  const ev1 = await readEvents(j1.id);
  assert.equal(ev1.at(-1)!.event, 'done');
  const fc1 = await (await t.api(`/api/jobs/${j1.id}/result`)).json() as any;
  assert.equal(fc1.type, 'FeatureCollection');
  assert.ok(Array.isArray(fc1.features));

  // many tiles (overlap 224 → stride 32 → 484 tiles): cancel after the first tile
  const r2 = await t.api('/api/jobs', { method: 'POST', json: { path: 'atlanta.tif', options: { overlap: 224, conf: 0.5 } } });
  const j2 = await r2.json() as any;
  assert.ok(j2.total > 400);
  let cancelled: Promise<Response> | null = null;
  const ev2 = await readEvents(j2.id, (e) => {
    if (e.event === 'progress' && e.data.done >= 1 && !cancelled) cancelled = t.api(`/api/jobs/${j2.id}`, { method: 'DELETE' });
  });
  const del = await cancelled!;
  assert.equal(del.status, 200);
  assert.deepEqual(await del.json(), { id: j2.id, status: 'cancelled' });
  assert.equal(ev2.at(-1)!.event, 'error');
  assert.equal(ev2.at(-1)!.data.code, 'ABORTED');
  const polled = await (await t.api(`/api/jobs/${j2.id}`)).json() as any;
  assert.equal(polled.status, 'cancelled');
  assert.ok(polled.done < polled.total, `stopped at ${polled.done}/${polled.total}`);
  const res = await t.api(`/api/jobs/${j2.id}/result`);
  assert.equal(res.status, 499);
  assert.equal((await res.json() as any).error.code, 'ABORTED');
  // the server is free again: a small job runs
  const r3 = await t.api('/api/jobs', { method: 'POST', json: { path: 'squares.tif' } });
  const ev3 = await readEvents((await r3.json() as any).id);
  assert.equal(ev3.at(-1)!.event, 'done');
});

test('a point prompt in WGS84 selects the square under it; a box prompt the squares inside it', async () => {
  const [x, y, s] = SQUARES[1];
  const [lon, lat] = pixelToLonLat(x + s / 2, y + s / 2);
  const stats0 = (await (await t.api('/api/health')).json() as any).cache.tiles;
  const res = await t.api('/api/prompt', { method: 'POST', json: { path: 'squares.tif', points: [{ x: lon, y: lat, label: 1 }], options: { regularize: false } } });
  assert.equal(res.status, 200);
  const fc = await res.json() as any;
  assert.equal(fc.features.length, 1);
  const f = fc.features[0];
  assert.equal(f.properties.prompt, 'point');
  assert.equal(f.properties.area_m2, (56 * 56 - 4) * PIXEL * PIXEL);
  // the job above segmented this raster: the prompt read cached tiles and ran no model
  const stats1 = (await (await t.api('/api/health')).json() as any).cache.tiles;
  assert.equal(stats1.misses, stats0.misses, 'no cache miss');
  assert.ok(stats1.memoryHits > stats0.memoryHits, 'served from the tile cache');
  // the same square's polygon as in the job's result (same tiles, same masks)
  const ring = f.geometry.coordinates[0] as number[][];
  const [clon, clat] = [ring.reduce((a, p) => a + p[0], 0) / ring.length, ring.reduce((a, p) => a + p[1], 0) / ring.length];
  assert.ok(Math.abs(clon - lon) < 2e-5 && Math.abs(clat - lat) < 2e-5, 'centred on the square (GDAL)');
  // a background point on the same square leaves nothing
  const none = await (await t.api('/api/prompt', { method: 'POST', json: { path: 'squares.tif', points: [{ x: lon, y: lat, label: 1 }, { x: lon, y: lat, label: 0 }] } })).json() as any;
  assert.equal(none.features.length, 0);
  // a box around squares 0 in native (EPSG:32616) coordinates
  const [bx, by, bs] = SQUARES[0];
  const box = [733601 + (bx - 4) * PIXEL, 3725139 - (by + bs + 4) * PIXEL, 733601 + (bx + bs + 4) * PIXEL, 3725139 - (by - 4) * PIXEL];
  const fb = await (await t.api('/api/prompt', { method: 'POST', json: { path: 'squares.tif', crs: 'EPSG:32616', boxes: [box] } })).json() as any;
  assert.equal(fb.features.length, 1);
  assert.equal(fb.features[0].properties.prompt, 'box');
  assert.ok(Math.abs(fb.features[0].properties.area_m2 - 784) / 784 < 0.05, 'regularized outline of the square');
  // on a raster no job has seen, the prompt segments the tiles it needs first
  await writeSquaresTif(t.root, 'fresh.tif');
  const stats2 = (await (await t.api('/api/health')).json() as any).cache.tiles;
  const fresh = await (await t.api('/api/prompt', { method: 'POST', json: { path: 'fresh.tif', points: [{ x: lon, y: lat, label: 1 }] } })).json() as any;
  assert.equal(fresh.features.length, 1);
  const stats3 = (await (await t.api('/api/health')).json() as any).cache.tiles;
  assert.ok(stats3.misses > stats2.misses && stats3.writes > stats2.writes);
  // a point outside the raster
  const out = await t.api('/api/prompt', { method: 'POST', json: { path: 'squares.tif', points: [{ x: 0, y: 0, label: 1 }] } });
  assert.equal(out.status, 422);
  assert.equal((await out.json() as any).error.code, 'OUT_OF_BOUNDS');
});

test('export writes a job result as a GeoJSON file in the root', async () => {
  const r = await t.api('/api/jobs', { method: 'POST', json: { path: 'squares.tif' } });
  const { id } = await r.json() as any;
  await readEvents(id);
  const fc = await (await t.api(`/api/jobs/${id}/result`)).json() as any;
  const res = await t.api('/api/export', { method: 'POST', json: { path: 'squares-buildings.geojson', collection: fc } });
  assert.deepEqual(await res.json(), { path: 'squares-buildings.geojson', features: SQUARES.length, format: 'geojson' });
  assert.deepEqual(JSON.parse(readFileSync(path.join(t.root, 'squares-buildings.geojson'), 'utf8')), fc);
});

test('health and models report the version and the device', async () => {
  const h = await (await t.api('/api/health')).json() as any;
  assert.equal(h.status, 'ok');
  assert.match(h.version, /^\d+\.\d+\.\d+$/);
  assert.equal(h.device, 'cpu');
  const m = await (await t.api('/api/models')).json() as any;
  assert.deepEqual(m.device, { requested: 'cpu', active: 'cpu' });
  const seg = m.models.find((x: any) => x.kind === 'segment' && x.present);
  assert.ok(seg && seg.path.endsWith('.onnx'));
  for (const name of ['FastSAM-s', 'FastSAM-x']) assert.ok(m.models.some((x: any) => x.name === name), name);
  assert.ok(m.models.some((x: any) => x.kind === 'clip-vision'));
});
