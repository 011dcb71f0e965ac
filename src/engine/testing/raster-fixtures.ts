/**
 * Test helpers for raster work: the shared data folder (../shared/data from the repo root, with a clear
 * failure when it is missing), GDAL command runners (the outside oracle) and temp dirs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

import { REPO_ROOT, sharedData } from './shared-data.js';

// One definition of the repository root and the shared data folder (testing/shared-data.ts), re-exported here.
export { REPO_ROOT, sharedData };

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a dir still busy at exit stays; the test runner's own TMPDIR goes with the run
    }
  }
});

/** A new temp dir under os.tmpdir(), removed with everything in it when this process exits. */
export function tmpDir(prefix = 'fsg-raster-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Runs a GDAL command line tool; throws with its stderr when it fails or is not installed. */
export function gdal(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd} is not available (${r.error.message}): install gdal-bin and python3-gdal (scripts/setup-system.sh)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export function readJson<T = any>(p: string): T {
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

/** The SpaceNet Atlanta grid: origin (733601, 3725139), 0.5 m, 900 × 900, EPSG:32616. */
export const ATLANTA_GRID = { x0: 733601, y0: 3725139, res: 0.5, width: 900, height: 900, epsg: 32616 };

/** Burns the 43 hand-drawn SpaceNet footprints into a Byte raster (255 inside, nodata 0) on the Atlanta grid. */
export function burnAtlantaLabels(dir: string): string {
  const out = path.join(dir, 'labels.tif');
  const g = ATLANTA_GRID;
  gdal('gdal_rasterize', [
    '-q', '-burn', '255', '-ot', 'Byte', '-a_nodata', '0', '-init', '0',
    '-te', String(g.x0), String(g.y0 - g.height * g.res), String(g.x0 + g.width * g.res), String(g.y0),
    '-tr', String(g.res), String(g.res),
    sharedData('geotiff/spacenet-atlanta/geotiff_labels.geojson'), out,
  ]);
  return out;
}

/** gdal_polygonize.py of band 1 (4-connected) → GeoJSON features with DN != 0, optionally reprojected. */
let polygonizeRuns = 0;
export function gdalPolygonize(raster: string, dir: string, tSrs?: string): any[] {
  // A fresh file each time: gdal_polygonize.py appends to an existing output.
  const raw = path.join(dir, `gdal-${path.basename(raster)}-${++polygonizeRuns}.geojson`);
  gdal('gdal_polygonize.py', ['-q', raster, '-b', '1', '-f', 'GeoJSON', raw, 'out', 'DN']);
  let file = raw;
  if (tSrs) {
    file = raw.replace(/\.geojson$/, `-${tSrs.replace(/\W/g, '')}.geojson`);
    gdal('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', tSrs, file, raw]);
  }
  return readJson(file).features.filter((f: any) => f.properties.DN !== 0);
}
