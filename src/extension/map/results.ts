// Result layers: one vector layer per prompt run (features arrive in WGS84 and are shown in the view
// projection), hover highlight, click to select/identify, vertex editing, delete and undo.
import type Map from 'ol/Map.js';
import type Feature from 'ol/Feature.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Select from 'ol/interaction/Select.js';
import Modify from 'ol/interaction/Modify.js';
import { pointerMove } from 'ol/events/condition.js';
import type Geometry from 'ol/geom/Geometry.js';
import type { FeatureLike } from 'ol/Feature.js';
import { createEmpty, extend, isEmpty, type Extent } from 'ol/extent.js';
import type { FeatureCollection } from '../api/types.js';
import type { UndoStack } from '../model/undo.js';
import type { ResultStyles } from './styles.js';
import { ensureProjection } from './projection.js';

export interface RunInfo {
  id: string;
  title: string;
  count: number;
  visible: boolean;
  active: boolean;
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
  layer: VectorLayer<VectorSource>;
}

/**
 * The CRS of a GeoJSON object: WGS84 (RFC 7946) unless it carries a legacy "crs" member naming an
 * EPSG code this map knows (GDAL writes one for projected layers, e.g. urn:ogc:def:crs:EPSG::32616).
 */
export function dataProjectionOf(fc: unknown): string {
  const name = (fc as { crs?: { properties?: { name?: string } } })?.crs?.properties?.name;
  const m = typeof name === 'string' ? /EPSG:{1,2}(\d+)$/i.exec(name) : null;
  if (m && m[1] !== '4326' && ensureProjection(`EPSG:${m[1]}`)) return `EPSG:${m[1]}`;
  return 'EPSG:4326';
}

export class Results {
  private runs: Run[] = [];
  private counter = 0;
  private activeId: string | null = null;
  private readonly format = new GeoJSON();
  private readonly hover: Select;
  private readonly select: Select;
  private readonly modify: Modify;
  private geometryBefore = new WeakMap<Feature, Geometry>();

  constructor(
    private readonly map: Map,
    private readonly projection: string,
    private readonly undoStack: UndoStack,
    private styles: ResultStyles,
    private readonly onChange: () => void,
    private readonly onSelect: (info: FeatureInfo | null, coordinate: number[] | null) => void
  ) {
    const isResult = (l: unknown) => this.runs.some((r) => r.layer === l);
    this.hover = new Select({ condition: pointerMove, layers: isResult, style: () => this.styles.hover });
    this.select = new Select({ layers: isResult, style: () => this.styles.selected, hitTolerance: 2 });
    this.modify = new Modify({ features: this.select.getFeatures() });
    this.select.on('select', (e) => {
      const f = e.selected[0] as Feature | undefined;
      this.onSelect(f ? this.info(f) : null, f ? (e.mapBrowserEvent?.coordinate ?? null) : null);
    });
    this.modify.on('modifystart', (e) => {
      e.features.forEach((f) => {
        const g = (f as Feature).getGeometry();
        if (g) this.geometryBefore.set(f as Feature, g.clone());
      });
    });
    this.modify.on('modifyend', (e) => {
      e.features.forEach((f) => {
        const feature = f as Feature;
        const before = this.geometryBefore.get(feature);
        if (!before) return;
        this.undoStack.push({ label: 'edit vertices', undo: () => feature.setGeometry(before) });
      });
      this.onChange();
    });
    for (const i of [this.hover, this.select, this.modify]) map.addInteraction(i);
  }

  /** Enables/disables hover, selection and editing (off while a prompt tool is active). */
  setEditing(on: boolean): void {
    this.hover.setActive(on);
    this.select.setActive(on);
    this.modify.setActive(on);
    if (!on) this.clearSelection();
  }

  setStyles(styles: ResultStyles): void {
    this.styles = styles;
    for (const r of this.runs) r.layer.setStyle(styles.normal);
    this.hover.getFeatures().forEach((f) => f.changed());
    this.select.getFeatures().forEach((f) => f.changed());
  }

  private readFeatures(fc: FeatureCollection, runId: string): Feature[] {
    const features = this.format.readFeatures(fc, {
      dataProjection: dataProjectionOf(fc),
      featureProjection: this.projection
    }) as Feature[];
    features.forEach((f, i) => {
      const pid = f.get('id') ?? f.getId() ?? i;
      f.setId(`${runId}:${pid}`);
      f.set('fsg_run', runId, true);
      f.set('fsg_order', i, true);
    });
    return features;
  }

  addRun(title: string, fc: FeatureCollection): string {
    const id = `run-${++this.counter}`;
    const source = new VectorSource({ features: this.readFeatures(fc, id) });
    const layer = new VectorLayer({ source, style: this.styles.normal, properties: { fsgRun: id, title } });
    this.map.addLayer(layer);
    this.runs.push({ id, title, layer });
    this.activeId = id;
    this.undoStack.push({ label: `add ${title}`, undo: () => this.removeRun(id, false) });
    this.onChange();
    return id;
  }

  /** Replaces the features of a run (a point run re-queried with one more point). */
  replaceRun(id: string, fc: FeatureCollection): void {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return;
    const source = run.layer.getSource()!;
    const old = source.getFeatures();
    source.clear();
    source.addFeatures(this.readFeatures(fc, id));
    this.undoStack.push({
      label: `update ${run.title}`,
      undo: () => {
        source.clear();
        source.addFeatures(old);
        this.onChange();
      }
    });
    this.onChange();
  }

  removeRun(id: string, undoable = true): void {
    const i = this.runs.findIndex((r) => r.id === id);
    if (i < 0) return;
    const [run] = this.runs.splice(i, 1);
    this.map.removeLayer(run.layer);
    this.clearSelection();
    if (this.activeId === id) this.activeId = this.runs.at(-1)?.id ?? null;
    if (undoable) {
      this.undoStack.push({
        label: `remove ${run.title}`,
        undo: () => {
          this.runs.splice(i, 0, run);
          this.map.addLayer(run.layer);
          this.activeId = run.id;
          this.onChange();
        }
      });
    }
    this.onChange();
  }

  setVisible(id: string, visible: boolean): void {
    this.runs.find((r) => r.id === id)?.layer.setVisible(visible);
    this.onChange();
  }

  setActive(id: string): void {
    if (this.runs.some((r) => r.id === id)) this.activeId = id;
    this.onChange();
  }

  get active(): string | null {
    return this.activeId;
  }

  list(): RunInfo[] {
    return this.runs.map((r) => ({
      id: r.id,
      title: r.title,
      count: r.layer.getSource()!.getFeatures().length,
      visible: r.layer.getVisible(),
      active: r.id === this.activeId
    }));
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
    return this.select.getFeatures().getArray().slice();
  }

  clearSelection(): void {
    this.select.getFeatures().clear();
    this.hover.getFeatures().clear();
    this.onSelect(null, null);
  }

  /** Deletes the selected features (undoable); returns how many. */
  deleteSelected(): number {
    const chosen = this.selected();
    const removed: { source: VectorSource; feature: Feature }[] = [];
    for (const feature of chosen) {
      const run = this.runs.find((r) => r.id === feature.get('fsg_run'));
      const source = run?.layer.getSource();
      if (!source || !source.hasFeature(feature)) continue;
      source.removeFeature(feature);
      removed.push({ source, feature });
    }
    this.clearSelection();
    if (removed.length > 0) {
      this.undoStack.push({
        label: `delete ${removed.length} feature(s)`,
        undo: () => {
          for (const { source, feature } of removed) source.addFeature(feature);
          this.onChange();
        }
      });
    }
    this.onChange();
    return removed.length;
  }

  /** A run as a WGS84 GeoJSON FeatureCollection (RFC 7946), internal properties dropped. */
  toGeoJSON(id: string | null = this.activeId): FeatureCollection | null {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return null;
    // in the order they arrived (the source's own order is not stable)
    const features = run.layer
      .getSource()!
      .getFeatures()
      .slice()
      .sort((a, b) => (a.get('fsg_order') ?? 0) - (b.get('fsg_order') ?? 0));
    const fc = this.format.writeFeaturesObject(features, {
      dataProjection: 'EPSG:4326',
      featureProjection: this.projection,
      decimals: 9
    }) as unknown as FeatureCollection;
    for (const f of fc.features) {
      if (f.properties) {
        delete f.properties.fsg_run;
        delete f.properties.fsg_order;
      }
      if (f.properties && 'id' in f.properties) f.id = f.properties.id as string | number;
    }
    return fc;
  }

  extent(id: string | null = this.activeId): Extent | null {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return null;
    const src = run.layer.getSource()!.getExtent();
    if (!src) return null;
    const e = extend(createEmpty(), src);
    return isEmpty(e) ? null : e;
  }

  /** Test hook: features of a run in the view projection's pixel space are not needed; WGS84 is. */
  featureCount(): number {
    return this.runs.reduce((n, r) => n + r.layer.getSource()!.getFeatures().length, 0);
  }
}
