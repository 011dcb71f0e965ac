// Helpers for the UI tests: shared data paths, GDAL as the outside oracle, opening a map with the
// test hook on, and pixel statistics of what the browser actually shows.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedData = join(repoRoot, '..', 'shared', 'data');

/** An absolute path into ../shared/data; throws a clear error when the shared data is missing. */
export function shared(rel: string): string {
  const p = join(sharedData, rel);
  if (!existsSync(p)) {
    throw new Error(`shared test data missing: ${p} (the UI tests read ../shared/data beside the repository)`);
  }
  return p;
}

/** Where ui.sh copied the shared GeoTIFFs inside the Jupyter root. */
export const ATLANTA = 'data/spacenet-atlanta/sample_geotiff.tif';

export interface GdalInfo {
  size: [number, number];
  epsg: number | null;
  extent: [number, number, number, number];
}

/** gdalinfo -json of a file: the independent reading of size, CRS and bounds. */
export function gdalinfo(path: string): GdalInfo {
  const j = JSON.parse(execFileSync('gdalinfo', ['-json', path], { encoding: 'utf8' }));
  const c = j.cornerCoordinates;
  const xs = [c.upperLeft[0], c.lowerRight[0]];
  const ys = [c.upperLeft[1], c.lowerRight[1]];
  const m = /ID\["EPSG",(\d+)\]\]\s*$/.exec(j.coordinateSystem?.wkt ?? '');
  return {
    size: j.size,
    epsg: m ? Number(m[1]) : (j.stac?.['proj:epsg'] ?? null),
    extent: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]
  };
}

/** The raster rendered by GDAL to an 8-bit grey PNG (linear stretch lo..hi), as base64. */
export function gdalPng(path: string, lo: number, hi: number, size = 32): string {
  const out = join(mkdtempSync(join(tmpdir(), 'fsg-ui-')), 'ref.png');
  execFileSync('gdal_translate', ['-q', '-of', 'PNG', '-ot', 'Byte', '-b', '1', '-r', 'average', '-scale', String(lo), String(hi), '0', '255',
    '-outsize', String(size), String(size), path, out]);
  return readFileSync(out).toString('base64');
}

/**
 * Opens JupyterLab and waits until it is really ready, however loaded the machine is: the app object,
 * its plugins started and layout restored, the splash screen gone, Galata's in-page helpers hooked up.
 * (Galata's own goto gives each of these 15 s, which a loaded CI machine exceeds.)
 */
export async function gotoLab(page: IJupyterLabPageFixture, timeout = 180000): Promise<void> {
  const raw = (page as unknown as { page?: Page }).page ?? (page as unknown as Page);
  // No network in the tests, deterministically: the OpenStreetMap basemap's tiles fail at once.
  await raw.route(/tile\.openstreetmap\.org/, (r) => r.abort('internetdisconnected'));
  await raw.goto('/lab', { waitUntil: 'domcontentloaded', timeout });
  await raw.waitForFunction(() => typeof (window as any).jupyterapp === 'object', null, { timeout });
  await raw.evaluate(async () => {
    const app = (window as any).jupyterapp;
    await app.started;
    await app.restored;
  });
  await raw.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout });
  await raw.waitForFunction(() => typeof (window as any).galata?.app === 'object', null, { timeout });
}

/** Turns the test hook on (before JupyterLab loads) and opens the lab. */
export async function gotoLabWithHook(page: IJupyterLabPageFixture): Promise<void> {
  await page.addInitScript(() => window.localStorage.setItem('fastsam-geo:test', '1'));
  await gotoLab(page);
}

/** A screenshot of the page saved as test-results/<test>/<name>.png (every state worth looking at). */
export async function shot(page: Page, testInfo: { outputPath: (n: string) => string }, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

/** Opens `path` by double-clicking it in the file browser; waits for the map to be ready and drawn. */
export async function openMapByDoubleClick(page: IJupyterLabPageFixture, path: string): Promise<Locator> {
  const dir = dirname(path);
  const name = path.slice(dir.length + 1);
  await page.filebrowser.openDirectory(dir);
  await page.locator(`.jp-DirListing-item[title^="Name: ${name}"]`).first().dblclick();
  return waitForMap(page, path);
}

export async function waitForMap(page: Page, path: string): Promise<Locator> {
  const panel = page.locator('.jp-FastSamGeo-panel[data-state]').last();
  await panel.waitFor();
  await page.waitForFunction(
    (p) => {
      const w = window as unknown as { __fastsamGeo?: { panels: Record<string, { view: { renders: number } | null; node: HTMLElement }> } };
      const panel = w.__fastsamGeo?.panels[p];
      return panel?.node.dataset.state === 'error' || (panel?.node.dataset.state === 'ready' && (panel.view?.renders ?? 0) > 0);
    },
    path,
    { timeout: 120000 }
  );
  return panel;
}

export interface MapState {
  projection: string;
  rasterExtent: number[] | null;
  viewExtent: number[];
  /** Client (page) pixel rectangle of the raster extent: [left, top, right, bottom]. */
  rasterRect: [number, number, number, number] | null;
  mapRect: [number, number, number, number];
}

export async function mapState(page: Page, path: string): Promise<MapState> {
  return page.evaluate((p) => {
    const w = window as any;
    const view = w.__fastsamGeo.panels[p].view;
    const r = view.element.getBoundingClientRect();
    let rasterRect = null;
    if (view.rasterExtent) {
      const [minx, miny, maxx, maxy] = view.rasterExtent;
      const tl = view.map.getPixelFromCoordinate([minx, maxy]);
      const br = view.map.getPixelFromCoordinate([maxx, miny]);
      rasterRect = [r.left + tl[0], r.top + tl[1], r.left + br[0], r.top + br[1]];
    }
    return {
      projection: view.projection,
      rasterExtent: view.rasterExtent,
      viewExtent: view.viewExtent(),
      rasterRect,
      mapRect: [r.left, r.top, r.right, r.bottom]
    };
  }, path);
}

/** Page pixel of a coordinate in the map's projection. */
export async function pagePixel(page: Page, path: string, coord: [number, number]): Promise<[number, number]> {
  return page.evaluate(
    ([p, c]) => {
      const view = (window as any).__fastsamGeo.panels[p as string].view;
      const r = view.element.getBoundingClientRect();
      const px = view.map.getPixelFromCoordinate(c);
      return [r.left + px[0], r.top + px[1]] as [number, number];
    },
    [path, coord] as const
  );
}

/**
 * Grey statistics and correlation with a reference PNG: decodes a PNG screenshot crop and the
 * reference in the browser, resizes both to the reference size, returns mean/std of the crop and
 * Pearson's r between the two.
 */
export async function compareWithReference(page: Page, shotB64: string, refB64: string): Promise<{ mean: number; std: number; r: number }> {
  return page.evaluate(
    async ([shot, ref]) => {
      const load = async (b64: string) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        return img;
      };
      const a = await load(shot);
      const b = await load(ref);
      const n = b.width;
      const grey = (img: HTMLImageElement) => {
        const c = document.createElement('canvas');
        c.width = n;
        c.height = n;
        const ctx = c.getContext('2d')!;
        ctx.imageSmoothingQuality = 'high';
        ctx.drawImage(img, 0, 0, n, n);
        const d = ctx.getImageData(0, 0, n, n).data;
        const g = new Float64Array(n * n);
        for (let i = 0; i < n * n; i++) g[i] = (d[4 * i] + d[4 * i + 1] + d[4 * i + 2]) / 3;
        return g;
      };
      const x = grey(a);
      const y = grey(b);
      const mean = (v: Float64Array) => v.reduce((s, t) => s + t, 0) / v.length;
      const mx = mean(x);
      const my = mean(y);
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < x.length; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) ** 2;
        syy += (y[i] - my) ** 2;
      }
      return { mean: mx, std: Math.sqrt(sxx / x.length), r: sxy / Math.sqrt(sxx * syy || 1) };
    },
    [shotB64, refB64] as const
  );
}

/** The colour [r, g, b] the page shows at page pixel (x, y) (a 1-pixel screenshot decoded in the browser). */
export async function pixelColour(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const png = (await page.screenshot({ clip: { x: Math.round(x), y: Math.round(y), width: 1, height: 1 } })).toString('base64');
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = 1;
    c.height = 1;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2]] as [number, number, number];
  }, png);
}

/** Page errors (uncaught exceptions) seen from now on. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/**
 * Starts a fresh point run the way a user does (focus the map, press P) and waits until the panel
 * took it: point tool on, no marker left from the previous run. A click sent before that would land
 * in the previous run (JupyterLab runs a shortcut only after the key is released).
 */
export async function newPointRun(page: Page, path: string): Promise<void> {
  await page.locator('.jp-FastSamGeo-map').last().focus();
  await page.keyboard.press('p');
  await page.waitForFunction(
    (p) => {
      const v = (window as any).__fastsamGeo?.panels[p]?.view;
      return v?.tools.current === 'point' && v.tools.points().length === 0;
    },
    path,
    { timeout: 60000 }
  );
}
