// The content of a map document: toolbar (tools, "Everything in view", text prompt), the map, a side
// panel (display, layers) and a status line (progress, cancel). Talks to the engine via EngineClient;
// engine errors become notifications carrying the engine's message.
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import { Notification, InputDialog } from '@jupyterlab/apputils';
import { PathExt, URLExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import { EngineClient, EngineRequestError } from '../api/client.js';
import type { FeatureCollection, JobState, PromptRequest, RasterInfo } from '../api/types.js';
import { MapView, defaultDisplay, type RasterDisplay, type ToolName } from '../map/map-view.js';
import { engineOptions, type GeoSettings } from '../tokens.js';
import { DisplayControls } from './display-controls.js';
import { button, el } from './dom.js';

export interface MapPanelOptions {
  /** Path of the file, relative to the Jupyter root. */
  path: string;
  kind: 'raster' | 'geojson';
  client: EngineClient;
  contents: Contents.IManager;
  settings: () => GeoSettings;
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
  private readonly status = el('div', { class: 'jp-FastSamGeo-status' });
  private readonly progress = el('progress', { class: 'jp-FastSamGeo-progress', max: '1', value: '0' });
  private readonly message = el('span', { class: 'jp-FastSamGeo-message' });
  private readonly cancelButton: HTMLButtonElement;
  private readonly textInput = el('input', {
    class: 'jp-FastSamGeo-text',
    type: 'text',
    placeholder: 'building, swimming pool…',
    'aria-label': 'text prompt'
  });
  private readonly threshold = el('input', {
    class: 'jp-FastSamGeo-threshold',
    type: 'range',
    min: '0',
    max: '1',
    step: '0.01',
    'aria-label': 'score threshold'
  });
  private readonly toolButtons = new Map<ToolName, HTMLButtonElement>();
  private job: AbortController | null = null;
  /** The last segment job's state as the engine reported it (id, status, done/total). */
  lastJob: JobState | null = null;
  private pointRun: string | null = null;
  private pointSeq = 0;

  constructor(private readonly options: MapPanelOptions) {
    super();
    this.addClass('jp-FastSamGeo-panel');
    this.node.dataset.kind = options.kind;
    this.id = `fastsam-geo-${Math.random().toString(36).slice(2)}`;
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.cancelButton = button('Cancel', 'Cancel the running job', 'cancel', () => this.cancel());
    this.cancelButton.style.display = 'none';
    this.threshold.value = String(options.settings().textThreshold);
    this.node.append(this.toolbar(), el('div', { class: 'jp-FastSamGeo-body' }, [this.mapHost, this.side]), this.status);
    this.status.append(this.progress, this.cancelButton, this.message);
    this.progress.hidden = true;
  }

  get path(): string {
    return this.options.path;
  }

  private toolbar(): HTMLElement {
    const bar = el('div', { class: 'jp-FastSamGeo-toolbar' });
    const tool = (name: ToolName, label: string, title: string) => {
      const b = button(label, title, `tool-${name}`, () => this.setTool(name));
      if (name !== 'pan') b.dataset.prompt = 'true';
      this.toolButtons.set(name, b);
      return b;
    };
    const thresholdValue = el('span', { class: 'jp-FastSamGeo-thresholdValue', text: this.threshold.value });
    this.threshold.oninput = () => (thresholdValue.textContent = Number(this.threshold.value).toFixed(2));
    this.textInput.onkeydown = (e) => {
      if (e.key === 'Enter') void this.runText();
      e.stopPropagation();
    };
    const prompt = <T extends HTMLElement>(e: T): T => {
      e.dataset.prompt = 'true';
      return e;
    };
    bar.append(
      tool('pan', 'Select', 'Pan, select, edit (Esc)'),
      tool('point', 'Point', 'Point prompt: click = building, Alt/Shift-click = background (P)'),
      tool('box', 'Box', 'Box prompt: drag a rectangle (B)'),
      prompt(el('span', { class: 'jp-FastSamGeo-sep' })),
      prompt(button('Everything in view', 'Find all objects in the visible extent (E)', 'everything', () => void this.runEverything())),
      prompt(el('span', { class: 'jp-FastSamGeo-sep' })),
      prompt(this.textInput),
      prompt(this.threshold),
      prompt(thresholdValue),
      prompt(button('Find', 'Run the text prompt (Enter)', 'text', () => void this.runText())),
      el('span', { class: 'jp-FastSamGeo-sep' }),
      button('Undo', 'Undo (Ctrl+Z)', 'undo', () => this.undo()),
      button('Export…', 'Export the active layer as GeoJSON beside the file', 'export', () => void this.exportLayer()),
      button('Download', 'Download the active layer as GeoJSON', 'download', () => this.downloadLayer()),
      button('Fit', 'Zoom to the raster', 'fit', () => this.view?.fit())
    );
    return bar;
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
          styleSettings: settings.styles,
          ...this.callbacks()
        });
      } else {
        this.view = new MapView({ basemapUrl: settings.basemapUrl || null, styleSettings: settings.styles, ...this.callbacks() });
      }
      this.mapHost.append(this.view.element);
      await this.view.open();
      if (o.kind === 'geojson') {
        const model = await o.contents.get(o.path, { type: 'file', format: 'text', content: true });
        const fc = JSON.parse(model.content as string) as FeatureCollection;
        this.view.addGeoJSON(PathExt.basename(o.path), fc);
        const e = this.view.results.extent();
        if (e) this.view.fit(e);
      }
      this.setTool('pan');
      if (this.view.raster) this.side.append(this.displayControls().node);
      this.side.append(this.layersNode);
      this.renderLayers();
      if (this.view.raster && !this.info) {
        await this.view.whenRendered();
        if (this.view.autoStretch()) await this.view.nextRender();
        this.side.replaceChildren(this.displayControls().node, this.layersNode);
      }
      this.node.dataset.state = 'ready';
    } catch (err) {
      this.node.dataset.state = 'error';
      this.fail(`cannot open ${o.path}`, err);
    }
    this.resolveReady();
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
      onChange: () => this.renderLayers()
    };
  }

  setTool(tool: ToolName): void {
    this.view?.setTool(tool);
    this.pointRun = null;
    for (const [name, b] of this.toolButtons) b.classList.toggle('jp-mod-active', name === tool);
    this.node.dataset.tool = tool;
  }

  focusText(): void {
    this.textInput.focus();
  }

  private request(extra: Partial<PromptRequest>): PromptRequest {
    const bbox = this.view?.viewExtent84();
    return {
      path: this.options.path,
      crs: 'EPSG:4326',
      ...(bbox ? { extent: { bbox, crs: 'EPSG:4326' as const } } : {}),
      options: engineOptions(this.options.settings()),
      ...extra
    };
  }

  private async runPoints(points: { x: number; y: number; label: 0 | 1 }[]): Promise<void> {
    const seq = ++this.pointSeq;
    this.busy(`point prompt (${points.length} point${points.length > 1 ? 's' : ''})…`);
    try {
      const fc = await this.options.client.prompt(this.request({ points }));
      if (seq !== this.pointSeq || !this.view) return;
      if (this.pointRun && this.view.results.list().some((r) => r.id === this.pointRun)) {
        this.view.results.replaceRun(this.pointRun, fc);
      } else {
        this.pointRun = this.view.results.addRun(`points ${this.view.results.list().length + 1}`, fc);
      }
      this.idle(`${fc.features.length} object(s) selected by ${points.length} point(s)`);
    } catch (err) {
      this.fail('point prompt failed', err);
    }
  }

  private async runPrompt(kind: string, extra: Partial<PromptRequest>): Promise<void> {
    this.busy(`${kind} prompt…`);
    try {
      const fc = await this.options.client.prompt(this.request(extra));
      const title = kind === 'text' ? `"${extra.text}"` : `${kind} ${this.view!.results.list().length + 1}`;
      this.view!.results.addRun(title, fc);
      this.idle(`${fc.features.length} object(s) from the ${kind} prompt`);
    } catch (err) {
      this.fail(`${kind} prompt failed`, err);
    }
  }

  async runText(): Promise<void> {
    const text = this.textInput.value.trim();
    if (!text) {
      Notification.warning('Type what to look for first, e.g. "building".', { autoClose: 4000 });
      return;
    }
    await this.runPrompt('text', { text, threshold: Number(this.threshold.value) });
  }

  async runEverything(): Promise<void> {
    if (this.job) return;
    const bbox = this.view?.viewExtent84();
    const job = (this.job = new AbortController());
    this.busy('segmenting the view…', true);
    try {
      const fc = await this.options.client.runJob(
        this.options.path,
        bbox ? { bbox, crs: 'EPSG:4326' } : undefined,
        engineOptions(this.options.settings()),
        {
          signal: job.signal,
          onProgress: (s) => {
            this.lastJob = s;
            this.progress.max = Math.max(1, s.total);
            this.progress.value = s.done;
            this.message.textContent = `segmenting the view: ${s.done}/${s.total} tiles`;
          }
        }
      );
      this.view!.results.addRun(`everything ${this.view!.results.list().length + 1}`, fc);
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

  undo(): void {
    const label = this.view?.undo.undo();
    this.pointRun = null;
    this.view?.tools.clearPoints();
    this.message.textContent = label ? `undone: ${label}` : 'nothing to undo';
  }

  deleteSelected(): void {
    const n = this.view?.results.deleteSelected() ?? 0;
    this.message.textContent = n ? `deleted ${n} feature(s)` : 'nothing selected';
  }

  private activeCollection(): FeatureCollection | null {
    const fc = this.view?.results.toGeoJSON() ?? null;
    if (!fc) Notification.warning('No result layer to export yet: run a prompt first.', { autoClose: 4000 });
    return fc;
  }

  /** Saves the active layer beside the file through the contents API (name chosen by the user). */
  async exportLayer(name?: string): Promise<string | null> {
    const fc = this.activeCollection();
    if (!fc) return null;
    const dir = PathExt.dirname(this.options.path);
    const stem = PathExt.basename(this.options.path, PathExt.extname(this.options.path));
    if (name === undefined) {
      const answer = await InputDialog.getText({
        title: 'Export layer',
        label: 'File name, saved beside the raster: .geojson (WGS84), .gpkg (GeoPackage), .fgb (FlatGeobuf) or .parquet (GeoParquet)',
        text: `${stem}-buildings.geojson`
      });
      if (!answer.button.accept || !answer.value) return null;
      name = answer.value;
    }
    if (!/\.(geojson|json|gpkg|fgb|parquet)$/i.test(name)) name += '.geojson';
    const path = dir ? `${dir}/${name}` : name;
    try {
      if (/\.(gpkg|fgb|parquet)$/i.test(name)) {
        // Binary formats are written by the engine (same root as Jupyter's), atomically.
        const r = await this.options.client.exportLayer(path, fc, true);
        Notification.success(`Exported ${r.features} feature(s) to ${r.path} (${r.format})`, { autoClose: 4000 });
        return r.path;
      }
      await this.options.contents.save(path, {
        type: 'file',
        format: 'text',
        content: JSON.stringify(fc, null, 1) + '\n'
      });
      Notification.success(`Exported ${fc.features.length} feature(s) to ${path}`, { autoClose: 4000 });
      return path;
    } catch (err) {
      this.fail(`cannot save ${path}`, err);
      return null;
    }
  }

  downloadLayer(): void {
    const fc = this.activeCollection();
    if (!fc) return;
    const stem = PathExt.basename(this.options.path, PathExt.extname(this.options.path));
    const url = URL.createObjectURL(new Blob([JSON.stringify(fc)], { type: 'application/geo+json' }));
    const a = el('a', { href: url, download: `${stem}-buildings.geojson` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  private renderLayers(): void {
    const v = this.view;
    if (!v) return;
    this.layersNode.replaceChildren(el('div', { class: 'jp-FastSamGeo-sectionTitle', text: 'Layers' }));
    for (const run of v.results.list()) {
      const visible = el('input', { type: 'checkbox', 'aria-label': `show ${run.title}` });
      visible.checked = run.visible;
      visible.onchange = () => v.results.setVisible(run.id, visible.checked);
      const name = el('span', { class: 'jp-FastSamGeo-layerName', text: `${run.title} (${run.count})` });
      name.onclick = () => v.results.setActive(run.id);
      const remove = button('×', `Remove ${run.title}`, 'remove-layer', () => v.results.removeRun(run.id));
      const row = el('div', { class: 'jp-FastSamGeo-layer', 'data-run': run.id }, [visible, name, remove]);
      row.classList.toggle('jp-mod-active', run.active);
      this.layersNode.append(row);
    }
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
    const message = err instanceof Error ? err.message : String(err);
    this.message.textContent = `${what}: ${message}`;
    const code = err instanceof EngineRequestError ? ` [${err.code}]` : '';
    Notification.error(`FastSAM: ${what}: ${message}${code}`, { autoClose: 8000 });
  }

  override dispose(): void {
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
