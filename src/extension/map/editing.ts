// Hover, selection and vertex editing of result features. Hover and selection never restyle a
// feature (no feature.setStyle, no change events): the layers' style functions ask isSelected() /
// hovered and the layers are redrawn, so OpenLayers' Modify keeps its vertex index and every drag
// moves the vertex (a restyling Select made Modify lose 3 of 8 drags). After an edit, area_m2 is
// recomputed in the map's projected CRS (the engine's working frame) or geodesically.
import type Map from 'ol/Map.js';
import type Feature from 'ol/Feature.js';
import type { FeatureLike } from 'ol/Feature.js';
import type MapBrowserEvent from 'ol/MapBrowserEvent.js';
import Select from 'ol/interaction/Select.js';
import Modify from 'ol/interaction/Modify.js';
import type Geometry from 'ol/geom/Geometry.js';
import type Polygon from 'ol/geom/Polygon.js';
import type MultiPolygon from 'ol/geom/MultiPolygon.js';
import type { Layer } from 'ol/layer.js';
import { getArea as geodesicArea } from 'ol/sphere.js';
import { get as getProjection } from 'ol/proj.js';
import type { UndoStack } from '../model/undo.js';

export interface EditingOptions {
  isResult: (layer: unknown) => boolean;
  redraw: () => void;
  onSelect: (f: Feature | null, coordinate: number[] | null) => void;
  onEdited: () => void;
  undo: UndoStack;
  frame: { projection: string; pixelHeight?: number | null };
}

/** Area of a polygon geometry in m²: planar in a metric projected CRS, geodesic otherwise; null for pixels or non-areas. */
export function areaM2(geometry: Geometry, frame: EditingOptions['frame']): number | null {
  const type = geometry.getType();
  if (type !== 'Polygon' && type !== 'MultiPolygon') return null;
  if (frame.pixelHeight !== null && frame.pixelHeight !== undefined) return null;
  const proj = getProjection(frame.projection);
  if (proj && proj.getUnits() === 'm' && proj.getCode() !== 'EPSG:3857') return (geometry as Polygon | MultiPolygon).getArea();
  return geodesicArea(geometry, { projection: frame.projection });
}

export class Editing {
  hovered: FeatureLike | null = null;
  private readonly select: Select;
  private readonly modify: Modify;
  private readonly chosen = new Set<FeatureLike>();
  private modifying = false;
  private active = true;
  private readonly before = new WeakMap<Feature, { geometry: Geometry; area: unknown }>();

  constructor(
    private readonly map: Map,
    private readonly o: EditingOptions
  ) {
    // style: null — the Select never restyles (the layer style functions draw the selection).
    this.select = new Select({ layers: (l: Layer) => o.isResult(l), style: null, hitTolerance: 3 });
    this.modify = new Modify({ features: this.select.getFeatures() });
    const features = this.select.getFeatures();
    features.on('add', (e) => {
      this.chosen.add(e.element);
      o.redraw();
    });
    features.on('remove', (e) => {
      this.chosen.delete(e.element);
      o.redraw();
    });
    this.select.on('select', (e) => {
      const f = e.selected[0] as Feature | undefined;
      o.onSelect(f ?? null, f ? (e.mapBrowserEvent?.coordinate ?? null) : null);
    });
    this.modify.on('modifystart', (e) => {
      this.modifying = true;
      e.features.forEach((f) => {
        const g = (f as Feature).getGeometry();
        if (g) this.before.set(f as Feature, { geometry: g.clone(), area: (f as Feature).get('area_m2') });
      });
    });
    this.modify.on('modifyend', (e) => {
      this.modifying = false;
      e.features.forEach((f) => {
        const feature = f as Feature;
        const before = this.before.get(feature);
        const g = feature.getGeometry();
        if (!before || !g) return;
        const after = { geometry: g.clone(), area: feature.get('area_m2') as unknown };
        const area = areaM2(g, o.frame);
        if (area !== null) after.area = Math.round(area * 1000) / 1000;
        feature.set('area_m2', after.area);
        const put = (s: { geometry: Geometry; area: unknown }) => {
          feature.setGeometry(s.geometry.clone());
          feature.set('area_m2', s.area);
        };
        o.undo.push({ label: 'edit vertices', undo: () => put(before), redo: () => put(after) });
      });
      o.onEdited();
    });
    map.on('pointermove', (e) => this.onMove(e as MapBrowserEvent<PointerEvent>));
    for (const i of [this.select, this.modify]) map.addInteraction(i);
  }

  private onMove(e: MapBrowserEvent<PointerEvent>): void {
    if (!this.active || this.modifying || e.dragging) return;
    const f = this.map.forEachFeatureAtPixel(e.pixel, (x) => x, { layerFilter: (l) => this.o.isResult(l), hitTolerance: 3 }) ?? null;
    if (f !== this.hovered) {
      this.hovered = f;
      this.o.redraw();
    }
  }

  isSelected(f: FeatureLike): boolean {
    return this.chosen.has(f);
  }

  /** Enables/disables hover, selection and editing (off while a prompt tool is active). */
  setActive(on: boolean): void {
    this.active = on;
    this.select.setActive(on);
    this.modify.setActive(on);
    if (!on) {
      this.clear();
      this.hovered = null;
    }
  }

  selected(): Feature[] {
    return this.select.getFeatures().getArray().slice();
  }

  selectFeature(f: Feature): void {
    const c = this.select.getFeatures();
    c.clear();
    c.push(f);
    const g = f.getGeometry();
    this.o.onSelect(f, g ? interiorOf(g) : null);
  }

  clear(): void {
    this.select.getFeatures().clear();
    this.o.onSelect(null, null);
  }
}

/** A point inside (or on) a geometry, for the identify popup. */
export function interiorOf(g: Geometry): number[] {
  const type = g.getType();
  if (type === 'Polygon') return (g as Polygon).getInteriorPoint().getCoordinates().slice(0, 2);
  if (type === 'MultiPolygon') return (g as MultiPolygon).getInteriorPoints().getCoordinates()[0]?.slice(0, 2) ?? [];
  const e = g.getExtent();
  return [(e[0] + e[2]) / 2, (e[1] + e[3]) / 2];
}
