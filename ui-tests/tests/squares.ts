// The fixture raster of the prompt, job and export tests (ui-tests/write-fixtures.mjs: grey 1024²,
// 0.5 m pixels, EPSG:32616, origin (733601, 3725139); a red square at (128,128) side 112, a magenta one
// at (512,128) side 112, a red one at (256,512) side 224) with the fixture models (the segmentation
// fixture detects exactly those squares; the CLIP fixtures embed colours, see
// src/engine/testing/fixture-clip-models.ts).
import { expect } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { gotoLabWithHook, waitForMap } from './helpers';

export const RASTER = 'fixture/squares.tif';
export const EPSG = 32616;
const X0 = 733601;
const Y0 = 3725139;
const RES = 0.5;

/** Raster pixel (col, row) → EPSG:32616. */
export const world = (col: number, row: number): [number, number] => [X0 + col * RES, Y0 - row * RES];

export interface Square {
  name: string;
  x: number;
  y: number;
  side: number;
}
export const SQUARES = {
  redSmall: { name: 'red-small', x: 128, y: 128, side: 112 },
  magenta: { name: 'magenta', x: 512, y: 128, side: 112 },
  redLarge: { name: 'red-large', x: 256, y: 512, side: 224 }
} satisfies Record<string, Square>;

/** The square's extent in EPSG:32616 [minx, miny, maxx, maxy]. */
export function extentOf(s: Square): number[] {
  const [minx, maxy] = world(s.x, s.y);
  const [maxx, miny] = world(s.x + s.side, s.y + s.side);
  return [minx, miny, maxx, maxy];
}

/** Where the map saves the fixture's layers (widgets/sidecar.ts), on this machine's disk. */
export const SIDECAR = 'fixture/squares.fastsam.geojson';
export const sidecarFile = (rel = SIDECAR): string => join(process.env.FSG_UI_ROOT!, rel);

/** Opens the fixture raster on a fresh map (`keep`: with the layers a previous test saved beside it). */
export async function openFixture(page: Page, { keep = false, path = RASTER }: { keep?: boolean; path?: string } = {}): Promise<void> {
  if (!keep) rmSync(sidecarFile(path.replace(/\.tif$/, '.fastsam.geojson')), { force: true });
  await gotoLabWithHook(page as never);
  await openMap(page, path);
}

/** Opens `path` on a FastSAM map in an already loaded lab. */
export async function openMap(page: Page, path: string): Promise<void> {
  await page.evaluate((p) => (window as any).jupyterapp.commands.execute('docmanager:open', { path: p, factory: 'FastSAM map' }), path);
  await waitForMap(page, path);
}

/** Extents (view CRS = EPSG:32616) and properties of the features of the active layer, in layer order. */
export async function activeFeatures(page: Page): Promise<{ extent: number[]; properties: Record<string, any> }[]> {
  return page.evaluate((p) => {
    const view = (window as any).__fastsamGeo.panels[p].view;
    const active = view.results.active;
    const layer = view.map.getAllLayers().find((l: any) => l.get('fsgRun') === active);
    return layer
      .getSource()
      .getFeatures()
      .slice()
      .sort((a: any, b: any) => a.get('fsg_order') - b.get('fsg_order'))
      .map((f: any) => {
        const { geometry, ...properties } = f.getProperties();
        return { extent: f.getGeometry().getExtent(), properties };
      });
  }, RASTER);
}

export function expectExtent(actual: number[], expected: number[], tol = 1.0): void {
  for (let i = 0; i < 4; i++) expect(Math.abs(actual[i] - expected[i]), `extent[${i}]: ${actual} vs ${expected}`).toBeLessThan(tol);
}

/** Which fixture square an extent is (within `tol` metres on every side), or null. */
export function squareOf(extent: number[], tol = 1.0): string | null {
  for (const s of Object.values(SQUARES)) {
    const e = extentOf(s);
    if (e.every((v, i) => Math.abs(v - extent[i]) < tol)) return s.name;
  }
  return null;
}
