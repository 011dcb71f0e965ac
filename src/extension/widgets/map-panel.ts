// The content of a map document: toolbar (tools, "Everything in view", text prompt), the map, a
// collapsible side panel (display, layers), an attribute table and a status line (progress, ETA,
// cancel). Talks to the engine via EngineClient; engine errors become notifications carrying the
// engine's message. Result layers are saved beside the raster (sidecar.ts) and restored on reopen.
import { Widget } from '@lumino/widgets';
import type Feature from 'ol/Feature.js';
import type { Message } from '@lumino/messaging';
import { Notification, showDialog, Dialog } from '@jupyterlab/apputils';
import { PathExt, URLExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import { EngineClient, EngineRequestError } from '../api/client.js';
import type { FeatureCollection, JobState, PromptRequest, RasterInfo } from '../api/types.js';
import { MapView, defaultDisplay, type RasterDisplay, type ToolName } from '../map/map-view.js';
import { engineOptions, type GeoSettings } from '../tokens.js';
import { AttributeTable } from './attribute-table.js';
import { DisplayControls } from './display-controls.js';
import { button, el } from './dom.js';
import { renderLayerList } from './layer-list.js';
import { Sidecar, sidecarPath } from './sidecar.js';
import { Toolbar } from './toolbar.js';
import { adviceFor, formatEta, notifyError } from './messages.js';
import { download, exportBeside } from './exporter.js';
import { HoverPreview } from './hover-preview.js';
import { droppedGeoJSON, readGeoJSONFile, type DragLike } from './vector-files.js';

let basemapWarned = false;
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
  private readonly status = el('div', { class: 'jp-FastSamGeo-status' });
  private readonly progress = el('progress', { class: 'jp-FastSamGeo-progress', max: '1', value: '0' });
  private readonly message = el('span', { class: 'jp-FastSamGeo-message' });
  private readonly cancelButton: HTMLButtonElement;
  readonly toolbar: Toolbar;
  readonly table = new AttributeTable(() => this.view);
  private job: AbortController | null = null;
  /** The last segment job's state as the engine reported it (id, status, done/total). */
  lastJob: JobState | null = null;
  private pointRun: string | null = null;
  /** The point run's features inside the output layer (one accumulating layer mode). */
  private pointFeatures: Feature[] = [];
  private pointSeq = 0;
  /** Click → polygon drawn, in ms, of the last point prompt (measured for the UI tests and the bench). */
  lastPointLatency: number | null = null;
  sidecar: Sidecar | null = null;
  readonly preview: HoverPreview;
  private restoring = false;

  constructor(private readonly options: MapPanelOptions) {
    super();
    this.addClass('jp-FastSamGeo-panel');
    this.node.dataset.kind = options.kind;
    this.node.dataset.state = 'loading';
    this.id = `fastsam-geo-${Math.random().toString(36).slice(2)}`;
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.cancelButton = button('Cancel', 'Cancel the running job', 'cancel', () => this.cancel());
    this.cancelButton.style.display = 'none';
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
      this.status
    );
    this.notice.hidden = true;
    this.status.append(this.progress, this.cancelButton, this.message);
    this.progress.hidden = true;
    this.mapHost.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.view?.closePopup();
    });
    // GeoJSON files dragged from the file browser onto the map become layers.
    for (const type of ['lm-dragenter', 'lm-dragover', 'lm-drop']) this.mapHost.addEventListener(type, (e) => this.onDrag(e as DragLike));
    this.toolbar.setEnabled(false);
    this.preview = new HoverPreview((req, signal) => this.options.client.prompt(this.request(req), signal));
  }

  get path(): string {
    return this.options.path;
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
          this.note(`engine metadata unavailable: ${(err as Error).message}`);
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
        const model = await o.contents.get(o.path, { type: 'file', format: 'text', content: true });
        const fc = JSON.parse(model.content as string) as FeatureCollection;
        this.view.addGeoJSON(PathExt.basename(o.path), fc);
        this.view.undo.clear();
        const e = this.view.results.extent();
        if (e) this.view.fit(e);
      } else {
        await this.restoreSidecar();
      }
      if (this.view.pixelMode) {
        this.showNotice('No georeferencing: shown in pixel coordinates (x right, y down; no scale bar). Prompts and results are in pixels.');
      }
      this.setTool('pan');
      const view = this.view;
      view.tools.onHover = (c) => this.preview.hover(view, c);
      if (this.view.raster) this.side.append(this.displayControls().node);
      this.side.append(this.layersNode);
      this.renderLayers();
      if (this.view.raster && !this.info) {
        await this.view.whenRendered();
        if (this.view.autoStretch()) await this.view.nextRender();
        this.side.replaceChildren(this.displayControls().node, this.layersNode);
      }
      this.toolbar.setEnabled(true, { pixelMode: this.view.pixelMode, vectorOnly: !this.view.raster });
      void this.checkClip();
      this.node.dataset.state = 'ready';
    } catch (err) {
      this.node.dataset.state = 'error';
      this.toolbar.setEnabled(false);
      const message = err instanceof Error ? err.message : String(err);
      this.showNotice(`Cannot open ${o.path}: ${message}`, true);
      this.fail(`cannot open ${o.path}`, err);
    }
    this.resolveReady();
  }

  private showNotice(text: string, error = false): void {
    this.notice.hidden = false;
    this.notice.textContent = text;
    this.notice.classList.toggle('jp-mod-error', error);
  }

  /** Restores the layers saved beside the raster, if any. */
  private async restoreSidecar(): Promise<void> {
    const v = this.view!;
    this.sidecar = new Sidecar({
      contents: this.options.contents,
      path: sidecarPath(this.options.path),
      collect: () => v.results.toSidecar(),
      onDirty: (d) => {
        this.node.dataset.dirty = String(d);
        this.options.onDirty?.(d);
      },
      onError: (err) => this.fail(`cannot save the layers to ${this.sidecar?.path}`, err)
    });
    try {
      const fc = await this.sidecar.load();
      if (fc) {
        this.restoring = true;
        v.results.fromSidecar(fc as never);
        this.restoring = false;
        const n = v.results.featureCount();
        if (n > 0) this.note(`restored ${n} feature(s) from ${PathExt.basename(this.sidecar.path)}`);
      }
    } catch (err) {
      this.restoring = false;
      this.fail(`cannot read the saved layers ${this.sidecar.path}`, err);
    }
  }

  private onDrag(e: DragLike): void {
    if (!this.usable) return;
    const paths = droppedGeoJSON(e);
    if (paths) for (const p of paths) void this.addVectorFile(p);
  }

  /** Adds a GeoJSON file (WGS84, or a projected one with a legacy "crs" member) as a layer on this map. */
  async addVectorFile(path: string): Promise<string | null> {
    const v = this.view;
    if (!v) return null;
    try {
      const fc = await readGeoJSONFile(this.options.contents, path);
      if (v.pixelMode) throw new Error('this raster has no georeferencing: a GeoJSON layer cannot be placed on it');
      const id = v.results.addRun(PathExt.basename(path), fc);
      this.note(`added ${fc.features.length} feature(s) from ${path}`);
      return id;
    } catch (err) {
      this.fail(`cannot add ${path}`, err);
      return null;
    }
  }

  /** Saves pending layer changes now (Ctrl+S, closing). */
  async save(): Promise<void> {
    await this.sidecar?.flush();
  }

  /** The text prompt needs the CLIP encoders: disabled with a tooltip when the engine has none. */
  private async checkClip(): Promise<void> {
    try {
      const r = await this.options.client.request<{ models: { kind: string; present: boolean }[] }>('models');
      const has = (k: string) => r.models.some((m) => m.kind === k && m.present);
      if (!has('clip-vision') || !has('clip-text')) {
        this.toolbar.disableText(
          'Text prompts need the CLIP encoders: set c.FastSamGeo.clip_vision and c.FastSamGeo.clip_text in jupyter_server_config.py (or download them: fastsam-geo models download clip-vision clip-text).'
        );
      }
    } catch {
      /* the engine is unreachable: the first prompt will say so */
    }
  }

  private displayControls(): DisplayControls {
    const v = this.view!;
    const info = this.info;
    return new DisplayControls(
      info?.bands ?? v.bandCount,
      v.display!,
      (d) => v.setDisplay(d),
      () => (v.autoStretch() ? v.display : null),
      (band) => info?.stretch?.[band - 1] ?? null
    );
  }

  private callbacks() {
    return {
      onPoints: (points: { x: number; y: number; label: 0 | 1 }[]) => void this.runPoints(points),
      onBox: (bbox: [number, number, number, number]) => void this.runPrompt('box', { boxes: [bbox] }),
      onChange: () => this.changed(),
      onOutside: () => this.note('that point is outside the raster: click on the raster'),
      onBasemapError: () => {
        this.note('basemap tiles cannot be loaded (offline?): the map works without them');
        if (basemapWarned) return; // said once per session
        basemapWarned = true;
        Notification.warning('FastSAM: the basemap tiles cannot be loaded (offline?); the map works without them.', { autoClose: 6000 });
      }
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
    this.pointRun = null;
    this.pointFeatures = [];
    this.toolbar.setActive(tool);
    this.node.dataset.tool = tool;
  }

  focusText(): void {
    this.toolbar.textInput.focus();
  }

  private request(extra: Partial<PromptRequest>): PromptRequest {
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

  private async runPoints(points: { x: number; y: number; label: 0 | 1 }[]): Promise<void> {
    const seq = ++this.pointSeq;
    const v = this.view!;
    const clickAt = v.tools.lastClickAt;
    this.busy(`point prompt (${points.length} point${points.length > 1 ? 's' : ''})…`);
    try {
      // A first click on the hover preview accepts it; otherwise the points are answered from the
      // tiles under them (not limited to the view).
      const marks = v.tools.points();
      const accepted = points.length === 1 && marks.length === 1 && v.previewData && v.previewCovers(marks[0].coordinate) ? v.previewData : null;
      this.preview.cancel();
      v.setPreview(null);
      const req = this.request({ points });
      delete req.extent;
      const fc = accepted ?? (await this.options.client.prompt(req));
      if (seq !== this.pointSeq || !this.view) return;
      const title = `${points.length} point${points.length > 1 ? 's' : ''}`;
      if (!this.options.settings().layerPerRun) {
        // the run's objects in the output layer: replaced as points are added to the run
        if (fc.features.length > 0 || this.pointFeatures.length > 0) {
          const out = this.outputLayer(fc);
          this.pointFeatures = out.created ? v.results.features(out.id) : v.results.replaceFeatures(out.id, this.pointFeatures, fc, `points: ${title}`);
        }
      } else if (this.pointRun && v.results.has(this.pointRun)) {
        if (fc.features.length > 0) v.results.replaceRun(this.pointRun, fc);
      } else if (fc.features.length > 0) {
        this.pointRun = v.results.addRun(`points: ${title}`, fc);
      }
      if (fc.features.length === 0) v.tools.dropLast();
      v.map.once('postrender', () => (this.lastPointLatency = performance.now() - clickAt));
      v.map.render();
      this.idle(fc.features.length ? `${fc.features.length} object(s) selected by ${title}` : `no object under ${title}`);
    } catch (err) {
      if (seq === this.pointSeq) this.view?.tools.dropLast();
      this.fail('point prompt failed', err);
    }
  }

  private async runPrompt(kind: string, extra: Partial<PromptRequest>): Promise<void> {
    const v = this.view;
    if (!v || this.job) return;
    const job = (this.job = new AbortController());
    this.busy(`${kind} prompt…`, true);
    try {
      const fc = await this.options.client.prompt(this.request(extra), job.signal);
      const title = kind === 'text' ? `"${extra.text}"` : `${kind} ${v.results.list().length + 1}`;
      this.addResult(title, fc);
      const best = (fc as { best_score?: number }).best_score;
      const none = kind === 'text' && typeof best === 'number' ? `nothing above the threshold (best score ${best.toFixed(3)})` : 'nothing found';
      this.idle(fc.features.length ? `${fc.features.length} object(s) from the ${kind} prompt` : `${kind} prompt: ${none}`);
    } catch (err) {
      if (job.signal.aborted) this.idle(`${kind} prompt cancelled`);
      else this.fail(`${kind} prompt failed`, err);
    } finally {
      this.job = null;
      this.cancelButton.style.display = 'none';
    }
  }

  async runText(): Promise<void> {
    const text = this.toolbar.textInput.value.trim();
    if (!text) {
      Notification.warning('Type what to look for first, e.g. "building".', { autoClose: 4000 });
      return;
    }
    await this.runPrompt('text', { text, threshold: this.toolbar.threshold });
  }

  async runEverything(): Promise<void> {
    const v = this.view;
    if (this.job || !v) return;
    const extent = v.engineExtent();
    const job = (this.job = new AbortController());
    const started = performance.now();
    this.busy('segmenting the view…', true);
    const s = this.options.settings();
    try {
      const fc = await this.options.client.runJob(this.options.path, extent ?? undefined, engineOptions(s), {
        signal: job.signal,
        confirm: async (state) => {
          if (!s.confirmTiles || state.total <= s.confirmTiles) return true;
          const r = await showDialog({
            title: 'A long job',
            body: `Everything in view runs the model on ${state.total} tiles (more than ${s.confirmTiles}). Zoom in for fewer. Start it?`,
            buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Start' })]
          });
          return r.button.accept;
        },
        onProgress: (st) => {
          this.lastJob = st;
          this.progress.max = Math.max(1, st.total);
          this.progress.value = st.done;
          const eta = formatEta(started, st.done, st.total);
          this.message.textContent = `segmenting the view: ${st.done}/${st.total} tiles${eta}`;
        }
      });
      this.addResult(`everything ${v.results.list().length + 1}`, fc);
      const e = v.viewExtent();
      const r = v.rasterExtent ?? e;
      this.preview.segmented.push([Math.max(e[0], r[0]), Math.max(e[1], r[1]), Math.min(e[2], r[2]), Math.min(e[3], r[3])]);
      this.idle(`${fc.features.length} object(s) found in view`);
    } catch (err) {
      if (job.signal.aborted || (err as EngineRequestError).code === 'CANCELLED') this.idle('job cancelled');
      else this.fail('segmenting the view failed', err);
    } finally {
      this.job = null;
      this.cancelButton.style.display = 'none';
    }
  }

  cancel(): void {
    this.job?.abort();
  }

  /** The output layer (created with `fc` when missing): {id, created}. */
  private outputLayer(fc: FeatureCollection): { id: string; created: boolean } {
    const v = this.view!;
    const id = v.results.byTitle(OUTPUT_LAYER);
    if (id) return { id, created: false };
    return { id: v.results.addRun(OUTPUT_LAYER, fc), created: true };
  }

  /** A prompt's or job's objects: appended to the output layer, or a layer of their own (layerPerRun). No empty layers. */
  private addResult(title: string, fc: FeatureCollection): void {
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
    this.pointRun = null;
    this.pointFeatures = [];
    this.view?.tools.clearPoints();
    this.view?.closePopup();
    this.changed();
    this.message.textContent = text;
  }

  deleteSelected(): void {
    const n = this.view?.results.deleteSelected() ?? 0;
    this.view?.closePopup();
    this.message.textContent = n ? `deleted ${n} feature(s)` : 'nothing selected';
  }

  private activeCollection(): FeatureCollection | null {
    const fc = this.view?.results.toGeoJSON() ?? null;
    if (!fc) Notification.warning('No result layer to export yet: run a prompt first.', { autoClose: 4000 });
    return fc;
  }

  /** Saves the active layer beside the file through the contents API; asks before replacing a file. */
  async exportLayer(name?: string): Promise<string | null> {
    const fc = this.activeCollection();
    if (!fc) return null;
    return exportBeside(fc, { contents: this.options.contents, rasterPath: this.options.path, reserved: this.sidecar?.path, name, note: (t) => this.note(t), fail: (w, e) => this.fail(w, e), client: this.options.client });
  }

  downloadLayer(): void {
    const fc = this.activeCollection();
    if (fc) download(fc, this.options.path);
  }

  private renderLayers(): void {
    const v = this.view;
    if (!v) return;
    // not while an opacity slider is being dragged (re-rendering would drop the drag)
    if (this.layersNode.contains(document.activeElement) && (document.activeElement as HTMLInputElement).type === 'range') return;
    renderLayerList(this.layersNode, v, (id) => this.table.show(id));
  }

  private busy(text: string, cancellable = false): void {
    this.node.dataset.busy = 'true';
    this.message.textContent = text;
    this.progress.hidden = !cancellable;
    this.progress.removeAttribute('value');
    this.cancelButton.style.display = cancellable ? '' : 'none';
  }

  private idle(text: string): void {
    delete this.node.dataset.busy;
    this.progress.hidden = true;
    this.message.textContent = text;
  }

  private note(text: string): void {
    this.message.textContent = text;
  }

  private fail(what: string, err: unknown): void {
    delete this.node.dataset.busy;
    this.progress.hidden = true;
    const message = adviceFor(err instanceof Error ? err.message : String(err));
    this.message.textContent = `${what}: ${message}`;
    this.message.title = this.message.textContent;
    notifyError(what, message, err instanceof EngineRequestError ? err.code : null);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    void this.sidecar?.flush();
    this.sidecar?.dispose();
    this.job?.abort();
    this.view?.dispose();
    super.dispose();
  }
}

/** Engine metadata → what to show: RGB for 3+ bands, else band 1; the engine's stretch. */
export function displayFromInfo(info: RasterInfo): RasterDisplay {
  const bands = info.bands >= 3 ? [1, 2, 3] : [1];
  const fallback: [number, number] = info.dtype === 'uint8' ? [0, 255] : [0, 1];
  return { bands, stretch: bands.map((b) => info.stretch?.[b - 1] ?? fallback) };
}
