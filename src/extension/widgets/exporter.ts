// Export of a layer: beside the raster through the Jupyter contents API (asks before replacing a
// file; never the map's own sidecar), or as a browser download in any of the four formats.
import { Dialog, InputDialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import type { FeatureCollection } from '../api/types.js';
import type { EngineClient } from '../api/client.js';
import type { MapView } from '../map/map-view.js';
import { el } from './dom.js';
import { isNotFound } from './sidecar.js';

export interface ExportOptions {
  contents: Contents.IManager;
  rasterPath: string;
  /** A path export must not write (the sidecar). */
  reserved?: string;
  /** File name; asked for when missing. */
  name?: string;
  note: (text: string) => void;
  fail: (what: string, err: unknown) => void;
  /** Writes the binary formats (.gpkg, .fgb, .parquet) through the engine's export route. */
  client?: Pick<EngineClient, 'exportLayer'>;
}

const stemOf = (p: string) => PathExt.basename(p, PathExt.extname(p));

/** Writes `fc` beside the raster; returns the path written, or null (cancelled or failed). */
export async function exportBeside(fc: FeatureCollection, o: ExportOptions): Promise<string | null> {
  const dir = PathExt.dirname(o.rasterPath);
  let name = o.name;
  if (name === undefined) {
    const answer = await InputDialog.getText({
      title: 'Export layer',
      label: 'File name, saved beside the raster: .geojson (WGS84), .gpkg (GeoPackage), .fgb (FlatGeobuf) or .parquet (GeoParquet)',
      text: `${stemOf(o.rasterPath)}-buildings.geojson`
    });
    if (!answer.button.accept || !answer.value) return null;
    name = answer.value;
  }
  if (!/\.(geojson|json|gpkg|fgb|parquet)$/i.test(name)) name += '.geojson';
  const path = dir ? `${dir}/${name}` : name;
  if (o.reserved && path === o.reserved) {
    Notification.error(`${path} is where this map saves its layers: choose another name.`, { autoClose: 6000 });
    return null;
  }
  try {
    const exists = await o.contents.get(path, { content: false }).then(
      () => true,
      (err: unknown) => (isNotFound(err) ? false : Promise.reject(err))
    );
    if (exists) {
      const r = await showDialog({
        title: 'Replace the file?',
        body: `${path} already exists. Replace it with the ${fc.features.length} feature(s) of this layer?`,
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Replace' })]
      });
      if (!r.button.accept) {
        o.note(`export cancelled: ${path} kept as it was`);
        return null;
      }
    }
    if (/\.(gpkg|fgb|parquet)$/i.test(name) && o.client) {
      // Binary formats are written by the engine (same root as Jupyter's), atomically.
      const r = await o.client.exportLayer(path, fc, true);
      Notification.success(`Exported ${r.features} feature(s) to ${r.path} (${r.format})`, { autoClose: 4000 });
      return r.path;
    }
    await o.contents.save(path, { type: 'file', format: 'text', content: JSON.stringify(fc, null, 1) + '\n' });
    Notification.success(`Exported ${fc.features.length} feature(s) to ${path}`, { autoClose: 4000 });
    return path;
  } catch (err) {
    o.fail(`cannot save ${path}`, err);
    return null;
  }
}

/** The active layer of a map, or null (with a warning) when there is none. */
function activeCollection(v: MapView | null): FeatureCollection | null {
  const fc = v?.results.toGeoJSON() ?? null;
  if (!fc) Notification.warning('No result layer to export yet: run a prompt first.', { autoClose: 4000 });
  return fc;
}

/** Exports the map's active layer beside the file (exportBeside). */
export async function exportActive(v: MapView | null, o: ExportOptions): Promise<string | null> {
  const fc = activeCollection(v);
  return fc ? exportBeside(fc, o) : null;
}

export const DOWNLOAD_FORMATS = ['geojson', 'gpkg', 'fgb', 'parquet'] as const;
const FORMAT_LABELS: Record<string, string> = { geojson: 'GeoJSON (.geojson, WGS84)', gpkg: 'GeoPackage (.gpkg)', fgb: 'FlatGeobuf (.fgb)', parquet: 'GeoParquet (.parquet)' };

/**
 * Offers the map's active layer as a download: GeoJSON is made here; GeoPackage, FlatGeobuf and
 * GeoParquet are written by the engine (POST /api/export with download: the bytes, no file left).
 * `format`: asked for when missing.
 */
export async function downloadActive(v: MapView | null, rasterPath: string, client: Pick<EngineClient, 'downloadLayer'>, format?: string): Promise<void> {
  const fc = activeCollection(v);
  if (!fc) return;
  if (format === undefined) {
    const r = await InputDialog.getItem({ title: 'Download layer', label: 'Format', items: DOWNLOAD_FORMATS.map((f) => FORMAT_LABELS[f]), current: 0 });
    if (!r.button.accept || r.value === null) return;
    format = DOWNLOAD_FORMATS.find((f) => FORMAT_LABELS[f] === r.value) ?? 'geojson';
  }
  const name = `${stemOf(rasterPath)}-buildings.${format}`;
  if (format === 'geojson') {
    download(new Blob([JSON.stringify(fc)], { type: 'application/geo+json' }), name);
    return;
  }
  try {
    download(await client.downloadLayer(name, fc), name);
  } catch (err) {
    Notification.error(`Cannot download ${name}: ${(err as Error).message}`, { autoClose: 8000 });
  }
}

/** Offers a blob as a download. */
function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
