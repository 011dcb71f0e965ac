/**
 * The map's click path without a browser (issue 11: click → polygon ≤ 100 ms median on an area already
 * segmented). A real server on loopback segments a georeferenced raster of red squares once (a job, the
 * fixture model), then, the way a map in point mode does:
 *   - the one-time fetch: `POST /api/tiles` for the area, every page, read into OpenLayers features by
 *     the extension's own TileObjects (lib/extension/map/tile-objects.js, compiled from src/extension
 *     when absent) — timed from a fresh holder each run;
 *   - a click: `TileObjects.answer` (the engine's point rule: deepest tile first, the smallest object
 *     containing the point) + the answer read into an OpenLayers feature and added to a vector source —
 *     what the map does before the frame; no request. Each answer is checked: the square clicked (its
 *     centre from GDAL's gdaltransform), within 1 m;
 *   - for comparison, the engine's answer to the same clicks (POST /api/prompt on the cached tiles).
 * What this cannot measure is the frame itself (WebGL/canvas): the Galata test points.spec.ts prints
 * click → drawn frame in a real browser.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTestServer, type TestServer } from '../testing/server.js';
import { ORIGIN, PIXEL, writeFixtureModel } from '../testing/server-data.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import type { Figure } from './figures.js';
import { stats } from './latency-stats.js';

/**
 * Raster side (px) and the square grid: 56-px squares (what the fixture model detects at stride 8) every
 * 72 px (the detector needs an 8-px clear ring), ~200 objects per 1024-px tile, the order of a dense
 * FastSAM tile of buildings.
 */
const SIDE = 2048;
const STEP = 72;
const SQ = 56;
const TILE = 1024;

interface OlFeature {
  getGeometry(): { getExtent(): number[] } | undefined;
}
interface TileObjectsLike {
  size: number;
  requests: number;
  refresh(key: string, load: (skip: number[]) => Promise<unknown>): Promise<number>;
  answer(c: number[]): { features: unknown[] } | null;
}
type TileObjectsCtor = new (read: (fc: unknown) => OlFeature[]) => TileObjectsLike;

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** The extension's TileObjects class, compiled from src/extension when lib/extension is absent. */
async function extensionTileObjects(): Promise<TileObjectsCtor> {
  const file = path.join(repo, 'lib/extension/map/tile-objects.js');
  if (!existsSync(file)) {
    const r = spawnSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', path.join(repo, 'tsconfig.extension.json')], { encoding: 'utf8' });
    if (!existsSync(file)) throw new Error(`compiling the extension (tsc -p tsconfig.extension.json) failed: ${r.stdout}${r.stderr}`);
  }
  return ((await import(pathToFileURL(file).href)) as { TileObjects: TileObjectsCtor }).TileObjects;
}

/** Pixel → lon/lat by GDAL (the outside reference), all points in one call. */
function lonLats(pixels: [number, number][]): [number, number][] {
  const input = pixels.map(([c, r]) => `${ORIGIN[0] + c * PIXEL} ${ORIGIN[1] - r * PIXEL}`).join('\n');
  const r = spawnSync('gdaltransform', ['-s_srs', 'EPSG:32616', '-t_srs', 'EPSG:4326', '-output_xy'], { input: `${input}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gdaltransform failed: ${r.stderr || r.error}`);
  return r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
}

export interface MapClickOptions {
  clicks?: number;
  fetchRuns?: number;
  onLog?: (m: string) => void;
}

export async function benchMapClick(o: MapClickOptions = {}): Promise<Figure[]> {
  const log = o.onLog ?? (() => {});
  const TileObjects = await extensionTileObjects();
  // ol is the extension's dependency: loaded at run time, beside the class that uses it
  const spec = (m: string): string => m;
  const { default: GeoJSON } = await import(spec('ol/format/GeoJSON.js'));
  const { fromLonLat } = await import(spec('ol/proj.js'));
  const { default: VectorSource } = await import(spec('ol/source/Vector.js'));
  const format = new GeoJSON();
  const read = (fc: unknown): OlFeature[] => format.readFeatures(fc, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fsg-bench-click-'));
  let t: TestServer | null = null;
  try {
    const squares: [number, number, number][] = [];
    for (let y = 24; y + SQ <= SIDE; y += STEP) for (let x = 24; x + SQ <= SIDE; x += STEP) squares.push([x, y, SQ]);
    const model = writeFixtureModel(tmp, TILE);
    mkdirSync(path.join(tmp, 'root'));
    t = await startTestServer({ root: path.join(tmp, 'root'), backendOptions: { model, cacheDir: path.join(tmp, 'cache') } });
    writeGeoTiff(path.join(t.root, 'grid.tif'), {
      width: SIDE, height: SIDE, bands: squaresBands(SIDE, SIDE, squares), epsg: 32616,
      geotransform: [ORIGIN[0], PIXEL, 0, ORIGIN[1], 0, -PIXEL],
    });
    const server = t;
    const json = async (p: string, body?: unknown): Promise<any> => {
      const res = await server.api(p, body === undefined ? {} : { method: 'POST', json: body });
      if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    };

    // segment the area once (a job, as Everything in view)
    const t0 = performance.now();
    const job = await json('/api/jobs', { path: 'grid.tif' });
    for (;;) {
      const s = await json(`/api/jobs/${job.id}`);
      if (s.status === 'done') break;
      if (s.status !== 'running' && s.status !== 'queued') throw new Error(`job ended ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    log(`map click: ${job.total} tiles segmented in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // the one-time fetch, from a fresh holder each run (the first run is the server's cold read)
    let objects = 0;
    let httpMs = 0;
    const load = async (skip: number[]) => {
      const h0 = performance.now();
      const page = await json('/api/tiles', { path: 'grid.tif', skip });
      httpMs += performance.now() - h0;
      objects += page.objects.features.length;
      return page;
    };
    const fetchMs: number[] = [];
    const fetchHttpMs: number[] = [];
    let holder: TileObjectsLike | null = null;
    const runs = o.fetchRuns ?? 5;
    for (let i = 0; i <= runs; i++) {
      holder = new TileObjects(read);
      const f0 = performance.now();
      httpMs = 0;
      await holder.refresh('{}', load);
      fetchMs.push(performance.now() - f0);
      fetchHttpMs.push(httpMs);
    }
    const first = fetchMs.shift()!;
    const firstHttp = fetchHttpMs.shift()!;
    objects /= runs + 1;
    const tiles = holder!.size;
    if (tiles !== job.total) throw new Error(`the holder has ${tiles} tiles, the job ${job.total}`);

    // clicks at square centres, cycling over the grid
    const n = o.clicks ?? 200;
    const picks = Array.from({ length: n }, (_, i) => squares[(i * 7919) % squares.length]);
    const centres = lonLats(picks.map(([x, y, s]) => [x + s / 2, y + s / 2]));
    const source = new VectorSource();
    const clickMs: number[] = [];
    const answerMs: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = fromLonLat(centres[i]) as number[];
      const c0 = performance.now();
      const fc = holder!.answer(c);
      const c1 = performance.now();
      if (!fc) throw new Error(`no object answered at square ${JSON.stringify(picks[i])}`);
      const features = read(fc);
      source.clear(true);
      source.addFeatures(features);
      clickMs.push(performance.now() - c0);
      answerMs.push(c1 - c0);
      // the square clicked: its extent in EPSG:3857 is the square's (56 px × 0.5 m, × the Mercator scale at this latitude)
      const e = features[0].getGeometry()!.getExtent();
      const k = 1 / Math.cos((centres[i][1] * Math.PI) / 180);
      const side = SQ * PIXEL * k;
      const mid = [(e[0] + e[2]) / 2, (e[1] + e[3]) / 2];
      if (Math.abs(mid[0] - c[0]) > k || Math.abs(mid[1] - c[1]) > k || Math.abs(e[2] - e[0] - side) > 2 * k || Math.abs(e[3] - e[1] - side) > 2 * k) {
        throw new Error(`click ${i}: answered extent ${e.map((v) => v.toFixed(1))}, expected the ${SQ}-px square centred at ${c.map((v) => v.toFixed(1))}`);
      }
    }
    // for comparison, the engine's answer to the same clicks (POST /api/prompt, what a map without the tiles does)
    const engineMs: number[] = [];
    for (let i = 0; i < Math.min(n, 40); i++) {
      const e0 = performance.now();
      const fc = await json('/api/prompt', { path: 'grid.tif', points: [{ x: centres[i][0], y: centres[i][1], label: 1 }] });
      engineMs.push(performance.now() - e0);
      if (fc.features.length !== 1) throw new Error(`POST /api/prompt at square ${JSON.stringify(picks[i])}: ${fc.features.length} features`);
    }
    const click = stats(clickMs);
    const answer = stats(answerMs);
    const fetch = stats(fetchMs);
    const engine = stats(engineMs);
    const http = stats(fetchHttpMs);
    const sec = `Map click → polygon, no browser (${tiles} finished tiles, ${objects} tile objects, loopback server)`;
    return [
      { key: 'mapClick.click', section: sec, label: 'click → polygon in its layer (TileObjects.answer + OL feature)', value: click.median, unit: 'ms', target: { max: 100 }, note: `p95 ${click.p95.toFixed(3)}, ${click.runs} clicks, each the square clicked (±1 m)` },
      { key: 'mapClick.answer', section: sec, label: 'point rule alone (TileObjects.answer)', value: answer.median, unit: 'ms', note: `p95 ${answer.p95.toFixed(3)}` },
      { key: 'mapClick.engine', section: sec, label: 'the same click answered by the engine (POST /api/prompt, cached tiles)', value: engine.median, unit: 'ms', note: `p95 ${engine.p95.toFixed(1)}, ${engine.runs} clicks` },
      { key: 'mapClick.fetchCold', section: sec, label: 'one-time fetch, first (POST /api/tiles + OL features)', value: first, unit: 'ms', note: `${tiles} tiles, ${objects} objects, from the server's tile cache after the job; HTTP part ${firstHttp.toFixed(0)} ms` },
      { key: 'mapClick.fetch', section: sec, label: 'one-time fetch, median of later holders', value: fetch.median, unit: 'ms', note: `${fetch.runs} runs; HTTP part (server vectorizes, JSON) median ${http.median.toFixed(0)} ms` },
    ];
  } finally {
    await t?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// `node lib/engine/bench/map-click.js`: this section alone
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const figures = await benchMapClick({ onLog: (m) => process.stderr.write(`${m}\n`) });
  for (const f of figures) console.log(`${f.label}: ${f.value?.toFixed(3)} ${f.unit}${f.note ? ` (${f.note})` : ''}`);
}
