// The map's work saved with the raster (or GeoJSON file) it shows: every layer (with its display
// state) in one GeoJSON file beside it, `<stem>.fastsam.geojson` (area.tif → area.fastsam.geojson,
// labels.geojson → labels.fastsam.geojson), written through the
// Jupyter contents API (the server writes atomically: temp file + rename). Saved shortly after each
// change; restored when the map opens again (after closing the tab or reloading the page).
import { PathExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import type { FeatureCollection } from '../api/types.js';
import type { MapPanel } from './map-panel.js';

export function sidecarPath(rasterPath: string): string {
  const dir = PathExt.dirname(rasterPath);
  const stem = PathExt.basename(rasterPath, PathExt.extname(rasterPath));
  const name = `${stem}.fastsam.geojson`;
  return dir ? `${dir}/${name}` : name;
}

export interface SidecarOptions {
  contents: Contents.IManager;
  path: string;
  /** The current state to write. */
  collect: () => FeatureCollection;
  /** Dirty state changes (true from an edit until it is on disk). */
  onDirty: (dirty: boolean) => void;
  onError: (err: unknown) => void;
  delayMs?: number;
}

export class Sidecar {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> = Promise.resolve();
  private pending = false;
  dirty = false;
  /** Saves done (test hook). */
  saves = 0;
  /** How long after an edit the file is written. */
  delayMs: number;

  constructor(private readonly o: SidecarOptions) {
    this.delayMs = o.delayMs ?? 400;
  }

  get path(): string {
    return this.o.path;
  }

  /**
   * The saved layers, or null when there is no sidecar yet — or when it is older than `notBefore`
   * (an ISO date: a GeoJSON file changed after the map saved its layers is opened as it is now).
   */
  async load(notBefore?: string): Promise<FeatureCollection | null> {
    try {
      const model = await this.o.contents.get(this.o.path, { type: 'file', format: 'text', content: true });
      if (notBefore && Date.parse(model.last_modified) < Date.parse(notBefore)) return null;
      return JSON.parse(model.content as string) as FeatureCollection;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** An edit happened: mark dirty and save soon. */
  changed(): void {
    this.setDirty(true);
    this.pending = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Writes now if anything is pending; resolves when the file is on disk. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.pending) return this.writing;
    this.pending = false;
    const content = JSON.stringify(this.o.collect()) + '\n';
    this.writing = this.writing.then(async () => {
      try {
        await this.o.contents.save(this.o.path, { type: 'file', format: 'text', content });
        this.saves++;
        if (!this.pending) this.setDirty(false);
      } catch (err) {
        this.o.onError(err);
      }
    });
    return this.writing;
  }

  private setDirty(d: boolean): void {
    if (this.dirty === d) return;
    this.dirty = d;
    this.o.onDirty(d);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export function isNotFound(err: unknown): boolean {
  const e = err as { response?: { status?: number }; message?: string };
  return e?.response?.status === 404 || /404|not found|No such file/i.test(e?.message ?? '');
}

/**
 * Makes the panel's sidecar and restores the layers saved in it, if any (not when it is older than
 * `notBefore`); true when layers were restored.
 */
export async function restoreLayers(p: MapPanel, notBefore?: string): Promise<boolean> {
  const v = p.view!;
  const sidecar = (p.sidecar = new Sidecar({
    contents: p.contents,
    path: sidecarPath(p.path),
    collect: () => v.results.toSidecar(),
    onDirty: (d) => p.setDirty(d),
    onError: (err) => p.status.fail(`cannot save the layers to ${sidecar.path}`, err)
  }));
  try {
    const fc = await sidecar.load(notBefore);
    if (fc) {
      p.restoring = true;
      v.results.fromSidecar(fc as never);
      p.restoring = false;
      const n = v.results.featureCount();
      if (n > 0) p.status.note(`restored ${n} feature(s) from ${PathExt.basename(sidecar.path)}`);
      return v.results.list().length > 0;
    }
  } catch (err) {
    p.restoring = false;
    p.status.fail(`cannot read the saved layers ${sidecar.path}`, err);
  }
  return false;
}
