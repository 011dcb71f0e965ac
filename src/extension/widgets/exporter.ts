// Export of a layer: beside the raster through the Jupyter contents API (asks before replacing a
// file; never the map's own sidecar), or as a browser download.
import { Dialog, InputDialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import type { FeatureCollection } from '../api/types.js';
import type { EngineClient } from '../api/client.js';
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

/** Offers `fc` as a download named after the raster. */
export function download(fc: FeatureCollection, rasterPath: string): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(fc)], { type: 'application/geo+json' }));
  const a = el('a', { href: url, download: `${stemOf(rasterPath)}-buildings.geojson` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
