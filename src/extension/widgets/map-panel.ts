// The content of a map document: toolbar, the map, a collapsible side panel (display, layers), an
// attribute table and a status line (status-line.ts). Opens the raster or GeoJSON and restores the
// layers saved beside it (sidecar.ts); the flows live beside it: everything-run.ts (jobs drawn tile by
// tile), point-run.ts (clicks), prompt-run.ts (box, text), exporter.ts, vector-files.ts.
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import { PathExt, URLExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import { EngineClient, EngineRequestError } from '../api/client.js';
import type { FeatureCollection, JobState, PromptRequest, RasterInfo } from '../api/types.js';
import { LiveLayer } from '../map/live-layer.js';
import { MapView, defaultDisplay, type ToolName } from '../map/map-view.js';
import { engineOptions, type GeoSettings } from '../tokens.js';
import { AttributeTable } from './attribute-table.js';
import { displayControlsFor, displayFromInfo } from './display-controls.js';
import { el } from './dom.js';
import { renderLayerList } from './layer-list.js';
import { restoreLayers, type Sidecar } from './sidecar.js';
import { Toolbar, checkClip } from './toolbar.js';
import { runEverything } from './everything-run.js';
import { PointRun } from './point-run.js';
import { runPrompt, runText } from './prompt-run.js';
import { StatusLine } from './status-line.js';
import { warnBasemap } from './messages.js';
import { downloadActive, exportActive } from './exporter.js';
import { HoverPreview } from './hover-preview.js';
import { addVectorFile, onVectorDrag, type DragLike } from './vector-files.js';

/** The one output layer that accumulates accepted objects (unless layerPerRun is set). */
export const OUTPUT_LAYER = 'FastSAM output';

export interface MapPanelOptions {
  /** Path of the file, relative to the Jupyter root. */
  path: string;
  kind: 'raster' | 'geojson';
  client: EngineClient;
  contents: Contents.IManager;
  settings: () => GeoSettings;
  /** Told when unsaved edits appear or are saved (the document's dirty state). */
  onDirty?: (dirty: boolean) => void;
}

export class MapPanel extends Widget {
  view: MapView | null = null;
  info: RasterInfo | null = null;
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private opened = false;
  private readonly mapHost = el('div', { class: 'jp-FastSamGeo-map', tabindex: '0' });
  private readonly side = el('div', { class: 'jp-FastSamGeo-side' });
  private readonly layersNode = el('div', { class: 'jp-FastSamGeo-layers' });
  private readonly notice = el('div', { class: 'jp-FastSamGeo-notice' });
  readonly status = new StatusLine(this.node, () => this.cancel());
  readonly toolbar: Toolbar;
  readonly table = new AttributeTable(() => this.view);
  /** The running job or prompt (Cancel aborts it). */
  job: AbortController | null = null;
  /** The last segment job's state as the engine reported it (id, status, done/total). */
  lastJob: JobState | null = null;
  readonly points = new PointRun(this);
  /** A running job's objects, drawn as its tiles finish. */
  live: LiveLayer | null = null;
  sidecar: Sidecar | null = null;
  readonly preview: HoverPreview;
  /** Layers being restored (not an edit: nothing to save). */
  restoring = false;

  constructor(private readonly options: MapPanelOptions) {
    super();
    this.addClass('jp-FastSamGeo-panel');
    this.node.dataset.kind = options.kind;
    this.node.dataset.state = 'loading';
    this.id = `fastsam-geo-${Math.random().toString(36).slice(2)}`;
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.toolbar = new Toolbar(options.settings().textThreshold, {
      tool: (t) => this.setTool(t),
      everything: () => void this.runEverything(),
      text: () => void this.runText(),
      undo: () => this.undo(),
      redo: () => this.redo(),
      exportLayer: () => void this.exportLayer(),
      download: () => this.downloadLayer(),
      fit: () => this.view?.fit(),
      toggleSide: () => this.node.classList.toggle('jp-mod-sideCollapsed')
    });
    this.node.append(
      this.toolbar.node,
      this.notice,
      el('div', { class: 'jp-FastSamGeo-body' }, [this.mapHost, this.side]),
      this.table.node,
      this.status.node
    );
    this.notice.hidden = true;
    this.mapHost.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.view?.closePopup();
    });
    // GeoJSON files dragged from the file browser onto the map become layers.
    for (const type of ['lm-dragenter', 'lm-dragover', 'lm-drop']) this.mapHost.addEventListener(type, (e) => onVectorDrag(this, e as DragLike));
    this.toolbar.setEnabled(false);
    this.preview = new HoverPreview(
      (req, signal) => this.options.client.prompt(this.request(req), signal),
      (c) => this.points.tiles.answer(c)
    );
  }

  get path(): string {
    return this.options.path;
  }

  get client(): EngineClient {
    return this.options.client;
  }

  get contents(): Contents.IManager {
    return this.options.contents;
  }

  settings(): GeoSettings {
    return this.options.settings();
  }

  /** Click → polygon drawn, in ms, of the last point prompt. */
  get lastPointLatency(): number | null {
    return this.points.lastLatency;
  }

  set lastPointLatency(ms: number | null) {
    this.points.lastLatency = ms;
  }

  /** Whether the map opened (tools usable). */
  get usable(): boolean {
    return this.node.dataset.state === 'ready' && this.view !== null;
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (!this.opened) {
      this.opened = true;
      void this.open();
    }
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.view?.updateSize();
    this.node.classList.toggle('jp-mod-narrow', this.node.clientWidth > 0 && this.node.clientWidth < 900);
  }

  private fileUrl(): string {
    const s = this.options.client.serverSettings;
    return URLExt.join(s.baseUrl, 'files', URLExt.encodeParts(this.options.path));
  }

  private async open(): Promise<void> {
    const settings = this.options.settings();
    const o = this.options;
    try {
      if (o.kind === 'raster') {
        this.info = await o.client.raster(o.path).catch((err: unknown) => {
          // The engine read the file and refused it: the map cannot do better (a broken TIFF).
          if (err instanceof EngineRequestError && err.status >= 400 && err.status < 500 && err.code !== 'NOT_AVAILABLE') throw err;
          this.status.note(`engine metadata unavailable: ${(err as Error).message}`);
          return null;
        });
        const info = this.info;
        const headers: Record<string, string> = {};
        if (o.client.serverSettings.token) headers.Authorization = `token ${o.client.serverSettings.token}`;
        this.view = new MapView({
          rasterUrl: this.fileUrl(),
          headers,
          info,
          display: info ? displayFromInfo(info) : defaultDisplay,
          basemapUrl: settings.basemapUrl || null,
          basemapAttribution: settings.basemapAttribution,
          styleSettings: settings.styles,
          ...this.callbacks()
        });
      } else {
        this.view = new MapView({
          basemapUrl: settings.basemapUrl || null,
          basemapAttribution: settings.basemapAttribution,
          styleSettings: settings.styles,
          ...this.callbacks()
        });
      }
      this.mapHost.append(this.view.element);
      await this.view.open();
      if (o.kind === 'geojson') {
        // the map's saved layers (edits, overlays) unless the file changed since they were saved
        const model = await o.contents.get(o.path, { type: 'file', format: 'text', content: true });
        if (!(await restoreLayers(this, model.last_modified))) {
          this.restoring = true;
          this.view.addGeoJSON(PathExt.basename(o.path), JSON.parse(model.content as string) as FeatureCollection);
          this.restoring = false;
          this.view.undo.clear();
        }
        const e = this.view.results.extent();
        if (e) this.view.fit(e);
      } else {
        await restoreLayers(this);
      }
      if (this.view.pixelMode) {
        this.showNotice('No georeferencing: shown in pixel coordinates (x right, y down; no scale bar). Prompts and results are in pixels.');
      }
      this.setTool('pan');
      const view = this.view;
      view.tools.onHover = (c) => this.preview.hover(view, c);
      this.live = new LiveLayer(view.map, (fc) => view.results.readFeatures(fc));
      view.map.on('moveend', () => {
        if (view.tools.current === 'point') void this.points.refreshTiles();
      });
      if (this.view.raster) this.side.append(displayControlsFor(this.view, this.info).node);
      this.side.append(this.layersNode);
      this.renderLayers();
      if (this.view.raster && !this.info) {
        await this.view.whenRendered();
        if (this.view.autoStretch()) await this.view.nextRender();
        this.side.replaceChildren(displayControlsFor(this.view, this.info).node, this.layersNode);
      }
      this.toolbar.setEnabled(true, { pixelMode: this.view.pixelMode, vectorOnly: !this.view.raster });
      void checkClip(this.options.client, this.toolbar);
      this.node.dataset.state = 'ready';
    } catch (err) {
      this.node.dataset.state = 'error';
      this.toolbar.setEnabled(false);
      const message = err instanceof Error ? err.message : String(err);
      this.showNotice(`Cannot open ${o.path}: ${message}`, true);
      this.status.fail(`cannot open ${o.path}`, err);
    }
    this.resolveReady();
  }

  private showNotice(text: string, error = false): void {
    this.notice.hidden = false;
    this.notice.textContent = text;
    this.notice.classList.toggle('jp-mod-error', error);
  }

  /** Adds a GeoJSON file (WGS84, or a projected one with a legacy "crs" member) as a layer on this map. */
  addVectorFile(path: string): Promise<string | null> {
    return addVectorFile(this, path);
  }

  /** Unsaved layer edits appeared or were saved: the document's dirty state. */
  setDirty(d: boolean): void {
    this.node.dataset.dirty = String(d);
    this.options.onDirty?.(d);
  }

  /** Saves pending layer changes now (Ctrl+S, closing). */
  async save(): Promise<void> {
    await this.sidecar?.flush();
  }

  private callbacks() {
    return {
      onPoints: (points: { x: number; y: number; label: 0 | 1 }[]) => void this.points.run(points),
      onBox: (bbox: [number, number, number, number]) => void runPrompt(this, 'box', { boxes: [bbox] }),
      onChange: () => this.changed(),
      onOutside: () => this.status.note('that point is outside the raster: click on the raster'),
      onBasemapError: () => warnBasemap((t) => this.status.note(t))
    };
  }

  private changed(): void {
    this.renderLayers();
    if (!this.table.node.hidden) this.table.render();
    if (!this.restoring) this.sidecar?.changed();
  }

  /** New settings (from the settings editor) reach the open map. */
  applySettings(s: GeoSettings): void {
    this.view?.setStyleSettings(s.styles);
    const v = this.view;
    if (v && (v.basemapLayer?.getSource() as { getUrls?: () => string[] | null } | undefined)?.getUrls?.()?.[0] !== (s.basemapUrl || undefined)) {
      v.setBasemap(s.basemapUrl || null, s.basemapAttribution);
    }
    this.renderLayers();
    this.toolbar.setThreshold(s.textThreshold);
  }

  setTool(tool: ToolName): void {
    if (!this.view) return;
    this.view.setTool(tool);
    this.view.closePopup();
    this.view.setPreview(null);
    this.points.reset();
    this.toolbar.setActive(tool);
    this.node.dataset.tool = tool;
    if (tool === 'point') void this.points.refreshTiles();
  }

  focusText(): void {
    this.toolbar.textInput.focus();
  }

  request(extra: Partial<PromptRequest>): PromptRequest {
    const extent = this.view?.engineExtent();
    const crs = this.view?.engineCrs ?? 'EPSG:4326';
    return {
      path: this.options.path,
      crs: crs as 'EPSG:4326',
      ...(extent ? { extent: extent as PromptRequest['extent'] } : {}),
      options: engineOptions(this.options.settings()),
      ...extra
    };
  }

  runText(): Promise<void> {
    return runText(this);
  }

  runEverything(): Promise<void> {
    return runEverything(this);
  }

  cancel(): void {
    this.job?.abort();
  }

  /** The output layer (created with `fc` when missing): {id, created}. */
  outputLayer(fc: FeatureCollection): { id: string; created: boolean } {
    const v = this.view!;
    const id = v.results.byTitle(OUTPUT_LAYER);
    if (id) return { id, created: false };
    return { id: v.results.addRun(OUTPUT_LAYER, fc), created: true };
  }

  /** A prompt's or job's objects: appended to the output layer, or a layer of their own (layerPerRun). No empty layers. */
  addResult(title: string, fc: FeatureCollection): void {
    const v = this.view!;
    if (fc.features.length === 0) return;
    if (this.options.settings().layerPerRun) {
      v.results.addRun(title, fc);
      return;
    }
    const out = this.outputLayer(fc);
    if (!out.created) v.results.appendTo(out.id, fc, `add ${title}`);
    v.results.setActive(out.id);
  }

  undo(): void {
    const label = this.view?.undo.undo();
    this.afterHistory(label ? `undone: ${label}` : 'nothing to undo');
  }

  redo(): void {
    const label = this.view?.undo.redo();
    this.afterHistory(label ? `redone: ${label}` : 'nothing to redo');
  }

  private afterHistory(text: string): void {
    this.points.reset();
    this.view?.tools.clearPoints();
    this.view?.closePopup();
    this.changed();
    this.status.note(text);
  }

  deleteSelected(): void {
    const n = this.view?.results.deleteSelected() ?? 0;
    this.view?.closePopup();
    this.status.note(n ? `deleted ${n} feature(s)` : 'nothing selected');
  }

  /** Saves the active layer beside the file (.geojson/.gpkg/.fgb/.parquet); asks before replacing a file. */
  exportLayer(name?: string): Promise<string | null> {
    const o = this.options;
    return exportActive(this.view, { contents: o.contents, rasterPath: o.path, reserved: this.sidecar?.path, name, note: (t) => this.status.note(t), fail: (w, e) => this.status.fail(w, e), client: o.client });
  }

  /** Offers the active layer as a download (the format asked for). */
  downloadLayer(format?: string): Promise<void> {
    return downloadActive(this.view, this.options.path, this.options.client, format);
  }

  private renderLayers(): void {
    const v = this.view;
    if (!v) return;
    // not while an opacity slider is being dragged (re-rendering would drop the drag)
    if (this.layersNode.contains(document.activeElement) && (document.activeElement as HTMLInputElement).type === 'range') return;
    renderLayerList(this.layersNode, v, (id) => this.table.show(id));
  }

  override dispose(): void {
    if (this.isDisposed) return;
    void this.sidecar?.flush();
    this.sidecar?.dispose();
    this.job?.abort();
    this.live?.dispose();
    this.view?.dispose();
    super.dispose();
  }
}
