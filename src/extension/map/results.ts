// Result layers: vector layers of features (prompt results, opened GeoJSON files), read from WGS84
// GeoJSON (or pixel coordinates on a raster without georeferencing) and shown in the view
// projection; visibility, opacity and colour per layer; every change is undoable and redoable.
// Hover, selection and vertex editing live in editing.ts; GeoJSON ↔ features in geojson-frame.ts.
import type Map from 'ol/Map.js';
import type Feature from 'ol/Feature.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import type Geometry from 'ol/geom/Geometry.js';
import type { FeatureLike } from 'ol/Feature.js';
import type { Style } from 'ol/style.js';
import { createEmpty, extend, isEmpty, type Extent } from 'ol/extent.js';
import type { FeatureCollection } from '../api/types.js';
import type { UndoStack } from '../model/undo.js';
import { LAYER_COLOURS, layerStyle, type ResultStyles } from './styles.js';
import { GeoJsonFrame, type ResultFrame } from './geojson-frame.js';
import { Editing } from './editing.js';

export interface RunInfo {
  id: string;
  title: string;
  count: number;
  visible: boolean;
  active: boolean;
  opacity: number;
  color: string;
}

export interface FeatureInfo {
  runId: string;
  id: string | number | undefined;
  score: number | null;
  area_m2: number | null;
  properties: Record<string, unknown>;
}

interface Run {
  id: string;
  title: string;
  color: string;
  style: Style;
  layer: VectorLayer<VectorSource>;
}

/** The sidecar's own member: the layers, in order, with their display state. */
export interface SidecarLayers {
  version: 1;
  layers: { title: string; visible: boolean; opacity: number; color: string }[];
}


export class Results {
  private runs: Run[] = [];
  private counter = 0;
  private order = 0;
  private activeId: string | null = null;
  private readonly geojson: GeoJsonFrame;
  readonly editing: Editing;

  constructor(
    private readonly map: Map,
    private readonly frame: ResultFrame,
    private readonly undoStack: UndoStack,
    private styles: ResultStyles,
    private readonly onChange: () => void,
    onSelect: (info: FeatureInfo | null, coordinate: number[] | null) => void
  ) {
    this.geojson = new GeoJsonFrame(frame);
    this.editing = new Editing(map, {
      isResult: (l) => this.runs.some((r) => r.layer === l),
      redraw: () => this.runs.forEach((r) => r.layer.changed()),
      onSelect: (f, coord) => onSelect(f ? this.info(f) : null, coord),
      onEdited: () => this.onChange(),
      undo: undoStack,
      frame
    });
  }

  get projection(): string {
    return this.frame.projection;
  }

  /** Enables/disables hover, selection and editing (off while a prompt tool is active). */
  setEditing(on: boolean): void {
    this.editing.setActive(on);
  }

  setStyles(styles: ResultStyles): void {
    this.styles = styles;
    for (const r of this.runs) r.style = layerStyle(r.color, styles);
    this.runs.forEach((r) => r.layer.changed());
  }

  private styleFor(run: Run) {
    return (f: FeatureLike) => {
      if (this.editing.isSelected(f)) return this.styles.selected;
      if (this.editing.hovered === f) return this.styles.hover;
      return run.style;
    };
  }

  /** GeoJSON → features in the view (pixel GeoJSON flipped to the map's y-up pixel frame). */
  readFeatures(fc: FeatureCollection): Feature[] {
    return this.geojson.read(fc);
  }

  private tag(features: Feature[], runId: string): Feature[] {
    features.forEach((f, i) => {
      const pid = f.get('id') ?? f.getId() ?? i;
      f.setId(`${runId}:${pid}:${this.order}`);
      f.set('fsg_run', runId, true);
      f.set('fsg_order', this.order++, true);
    });
    return features;
  }

  private nextColour(): string {
    const used = new Set(this.runs.map((r) => r.color));
    const first = this.styles.normal.getStroke()?.getColor();
    const palette = [typeof first === 'string' ? first : LAYER_COLOURS[0], ...LAYER_COLOURS.slice(1)];
    return palette.find((c) => !used.has(c)) ?? palette[this.runs.length % palette.length];
  }

  /** A new layer holding `fc`; returns its id. Undoable (and redoable). */
  addRun(title: string, fc: FeatureCollection, state: Partial<SidecarLayers['layers'][number]> = {}, undoable = true): string {
    const id = `run-${++this.counter}`;
    const color = state.color ?? this.nextColour();
    const source = new VectorSource({ features: this.tag(this.readFeatures(fc), id) });
    const run: Run = { id, title, color, style: layerStyle(color, this.styles), layer: new VectorLayer({ source, properties: { fsgRun: id, title } }) };
    run.layer.setStyle(this.styleFor(run));
    run.layer.setVisible(state.visible ?? true);
    run.layer.setOpacity(state.opacity ?? 1);
    this.attach(run, this.runs.length);
    if (undoable) {
      this.undoStack.push({ label: `add ${title}`, undo: () => this.detach(id), redo: () => this.attach(run, this.runs.length) });
    }
    this.onChange();
    return id;
  }

  private attach(run: Run, index: number): void {
    this.runs.splice(index, 0, run);
    this.map.addLayer(run.layer);
    this.activeId = run.id;
    this.onChange();
  }

  private detach(id: string): number {
    const i = this.runs.findIndex((r) => r.id === id);
    if (i < 0) return -1;
    const [run] = this.runs.splice(i, 1);
    this.map.removeLayer(run.layer);
    this.editing.clear();
    if (this.activeId === id) this.activeId = this.runs.at(-1)?.id ?? null;
    this.onChange();
    return i;
  }

  /** Adds features to an existing layer (the accumulating output layer). Undoable. */
  appendTo(id: string, fc: FeatureCollection, label = 'add features'): Feature[] {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return [];
    const source = run.layer.getSource()!;
    const added = this.tag(this.readFeatures(fc), id);
    source.addFeatures(added);
    this.undoStack.push({
      label,
      undo: () => added.forEach((f) => source.hasFeature(f) && source.removeFeature(f)),
      redo: () => source.addFeatures(added.filter((f) => !source.hasFeature(f)))
    });
    this.onChange();
    return added;
  }

  /** Replaces `old` features of a layer by those of `fc` (a point run re-queried inside the output layer). Undoable. */
  replaceFeatures(id: string, old: Feature[], fc: FeatureCollection, label = 'update points'): Feature[] {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return [];
    const source = run.layer.getSource()!;
    const next = this.tag(this.readFeatures(fc), id);
    const swap = (out: Feature[], into: Feature[]) => {
      out.forEach((f) => source.hasFeature(f) && source.removeFeature(f));
      source.addFeatures(into.filter((f) => !source.hasFeature(f)));
      this.onChange();
    };
    swap(old, next);
    this.undoStack.push({ label, undo: () => swap(next, old), redo: () => swap(old, next) });
    return next;
  }

  /** The id of the first layer with this title, or null. */
  byTitle(title: string): string | null {
    return this.runs.find((r) => r.title === title)?.id ?? null;
  }

  /** Replaces the features of a run (a point run re-queried with one more point). */
  replaceRun(id: string, fc: FeatureCollection): void {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return;
    const source = run.layer.getSource()!;
    const old = source.getFeatures();
    const next = this.tag(this.readFeatures(fc), id);
    const put = (fs: Feature[]) => {
      source.clear();
      source.addFeatures(fs);
      this.onChange();
    };
    put(next);
    this.undoStack.push({ label: `update ${run.title}`, undo: () => put(old), redo: () => put(next) });
  }

  removeRun(id: string, undoable = true): void {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return;
    const i = this.detach(id);
    if (undoable) this.undoStack.push({ label: `remove ${run.title}`, undo: () => this.attach(run, i), redo: () => this.detach(id) });
  }

  /** Removes every layer without undo (the sidecar is being reloaded). */
  clear(): void {
    for (const r of this.runs.slice()) this.detach(r.id);
  }

  setVisible(id: string, visible: boolean): void {
    this.runs.find((r) => r.id === id)?.layer.setVisible(visible);
    this.onChange();
  }

  setOpacity(id: string, opacity: number): void {
    this.runs.find((r) => r.id === id)?.layer.setOpacity(opacity);
    this.onChange();
  }

  setColor(id: string, color: string): void {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return;
    run.color = color;
    run.style = layerStyle(color, this.styles);
    run.layer.changed();
    this.onChange();
  }

  setActive(id: string): void {
    if (this.runs.some((r) => r.id === id)) this.activeId = id;
    this.onChange();
  }

  get active(): string | null {
    return this.activeId;
  }

  has(id: string | null): boolean {
    return this.runs.some((r) => r.id === id);
  }

  list(): RunInfo[] {
    return this.runs.map((r) => ({
      id: r.id,
      title: r.title,
      count: r.layer.getSource()!.getFeatures().length,
      visible: r.layer.getVisible(),
      active: r.id === this.activeId,
      opacity: r.layer.getOpacity(),
      color: r.color
    }));
  }

  /** The features of a run in the order they arrived. */
  features(id: string | null = this.activeId): Feature[] {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return [];
    return run.layer
      .getSource()!
      .getFeatures()
      .slice()
      .sort((a, b) => (a.get('fsg_order') ?? 0) - (b.get('fsg_order') ?? 0));
  }

  info(f: FeatureLike): FeatureInfo {
    const props = { ...(f.getProperties() as Record<string, unknown>) };
    delete props.geometry;
    delete props.fsg_order;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return {
      runId: String(props.fsg_run ?? ''),
      id: (props.id as string | number | undefined) ?? f.getId(),
      score: num(props.score),
      area_m2: num(props.area_m2),
      properties: props
    };
  }

  selected(): Feature[] {
    return this.editing.selected();
  }

  clearSelection(): void {
    this.editing.clear();
  }

  /** Selects a feature (attribute table → map). */
  select(f: Feature): void {
    this.editing.selectFeature(f);
  }

  /** Deletes the selected features (undoable); returns how many. */
  deleteSelected(): number {
    const removed: { source: VectorSource; feature: Feature }[] = [];
    for (const feature of this.selected()) {
      const source = this.runs.find((r) => r.id === feature.get('fsg_run'))?.layer.getSource();
      if (!source || !source.hasFeature(feature)) continue;
      source.removeFeature(feature);
      removed.push({ source, feature });
    }
    this.editing.clear();
    if (removed.length > 0) {
      this.undoStack.push({
        label: `delete ${removed.length} feature(s)`,
        undo: () => removed.forEach(({ source, feature }) => source.addFeature(feature)),
        redo: () => removed.forEach(({ source, feature }) => source.hasFeature(feature) && source.removeFeature(feature))
      });
    }
    this.onChange();
    return removed.length;
  }

  /** Features as GeoJSON: WGS84 (RFC 7946), or pixels (x right, y down) on a pixel map; internal properties dropped. */
  writeFeatures(features: Feature[]): FeatureCollection {
    return this.geojson.write(features);
  }

  /** A run as GeoJSON (see writeFeatures), or null when there is no such run. */
  toGeoJSON(id: string | null = this.activeId): FeatureCollection | null {
    if (!this.has(id)) return null;
    return this.writeFeatures(this.features(id));
  }

  /** Every layer in one FeatureCollection (property fastsam_layer = layer index) + the layers' state. */
  toSidecar(): FeatureCollection & { fastsam: SidecarLayers } {
    const features: FeatureCollection['features'] = [];
    this.runs.forEach((r, i) => {
      const fc = this.writeFeatures(this.features(r.id));
      for (const f of fc.features) {
        f.properties = { ...(f.properties ?? {}), fastsam_layer: i };
        features.push(f);
      }
    });
    const layers = this.runs.map((r) => ({ title: r.title, visible: r.layer.getVisible(), opacity: r.layer.getOpacity(), color: r.color }));
    return { type: 'FeatureCollection', features, fastsam: { version: 1, layers } };
  }

  /** Restores the layers of a sidecar written by toSidecar (not undoable). */
  fromSidecar(fc: FeatureCollection & { fastsam?: SidecarLayers }): void {
    const layers = fc.fastsam?.layers ?? [{ title: 'restored', visible: true, opacity: 1, color: this.nextColour() }];
    layers.forEach((state, i) => {
      const features = fc.features
        .filter((f) => (f.properties?.fastsam_layer ?? 0) === i)
        .map((f) => {
          const properties = { ...(f.properties ?? {}) };
          delete properties.fastsam_layer;
          return { ...f, properties };
        });
      if (features.length > 0) this.addRun(state.title, { type: 'FeatureCollection', features }, state, false);
    });
  }

  extent(id: string | null = this.activeId): Extent | null {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return null;
    const src = run.layer.getSource()!.getExtent();
    if (!src) return null;
    const e = extend(createEmpty(), src);
    return isEmpty(e) ? null : e;
  }

  featureCount(): number {
    return this.runs.reduce((n, r) => n + r.layer.getSource()!.getFeatures().length, 0);
  }
}

export type { Geometry };
