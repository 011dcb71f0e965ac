// GeoJSON files as extra layers on a map: read through the contents API, or dropped from the file
// browser (a Lumino drag carrying 'application/x-jupyter-icontents' paths).
import { PathExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import type { FeatureCollection } from '../api/types.js';
import type { MapPanel } from './map-panel.js';

const CONTENTS_MIME = 'application/x-jupyter-icontents';

/** The part of a Lumino drag event the map reads. */
export interface DragLike extends Event {
  mimeData?: { hasData(m: string): boolean; getData(m: string): unknown };
  dropAction?: string;
  proposedAction?: string;
}

/**
 * Handles lm-dragenter/over/drop of GeoJSON files from the file browser: accepts them, and on drop
 * returns their paths (null otherwise, and for drags of other files).
 */
export function droppedGeoJSON(e: DragLike): string[] | null {
  if (!e.mimeData?.hasData(CONTENTS_MIME)) return null;
  const paths = (e.mimeData.getData(CONTENTS_MIME) as string[]).filter((p) => /\.(geo)?json$/i.test(p));
  if (paths.length === 0) return null;
  e.preventDefault();
  e.stopPropagation();
  if (e.type !== 'lm-drop') {
    e.dropAction = e.proposedAction ?? 'copy';
    return null;
  }
  e.dropAction = 'copy';
  return paths;
}

export async function readGeoJSONFile(contents: Contents.IManager, path: string): Promise<FeatureCollection> {
  const model = await contents.get(path, { type: 'file', format: 'text', content: true });
  const fc = JSON.parse(model.content as string) as FeatureCollection;
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new Error(`${path} is not a GeoJSON FeatureCollection`);
  return fc;
}

/** Adds a GeoJSON file (WGS84, or a projected one with a legacy "crs" member) as a layer on the panel's map. */
export async function addVectorFile(p: MapPanel, path: string): Promise<string | null> {
  const v = p.view;
  if (!v) return null;
  try {
    const fc = await readGeoJSONFile(p.contents, path);
    if (v.pixelMode) throw new Error('this raster has no georeferencing: a GeoJSON layer cannot be placed on it');
    const id = v.results.addRun(PathExt.basename(path), fc);
    p.status.note(`added ${fc.features.length} feature(s) from ${path}`);
    return id;
  } catch (err) {
    p.status.fail(`cannot add ${path}`, err);
    return null;
  }
}

/** GeoJSON files dragged from the file browser onto the map become layers. */
export function onVectorDrag(p: MapPanel, e: DragLike): void {
  if (!p.usable) return;
  const paths = droppedGeoJSON(e);
  if (paths) for (const path of paths) void addVectorFile(p, path);
}
