// A running job's objects, drawn tile by tile as the engine finishes them (GET /api/jobs/:id/partial):
// a layer of its own above the results, not a result layer (no undo, not saved) until the job ends —
// then the job's final objects replace it, or, when the job is cancelled or fails, what it drew is kept.
import type Map from 'ol/Map.js';
import type Feature from 'ol/Feature.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import { Fill, Stroke, Style } from 'ol/style.js';
import type { FeatureCollection, GeoJsonFeature } from '../api/types.js';

export class LiveLayer {
  private readonly source = new VectorSource();
  private readonly layer: VectorLayer<VectorSource>;
  private readonly drawn: GeoJsonFeature[] = [];

  constructor(
    private readonly map: Map,
    private readonly read: (fc: FeatureCollection) => Feature[]
  ) {
    this.layer = new VectorLayer({
      source: this.source,
      style: new Style({ stroke: new Stroke({ color: '#ffb300', width: 2 }), fill: new Fill({ color: 'rgba(255, 179, 0, 0.15)' }) }),
      zIndex: 800,
      properties: { fsgLive: true }
    });
    map.addLayer(this.layer);
  }

  /** Draws more of the job's objects. */
  add(fc: FeatureCollection): void {
    if (fc.features.length === 0) return;
    // numbered across the job (each tile's objects are numbered from 1: ids would repeat)
    const features = fc.features.map((f) => {
      const id = this.drawn.length + 1;
      const g: GeoJsonFeature = { ...f, id, properties: { ...(f.properties ?? {}), id } };
      this.drawn.push(g);
      return g;
    });
    this.source.addFeatures(this.read({ type: 'FeatureCollection', features }));
  }

  /** How many objects are drawn. */
  get count(): number {
    return this.drawn.length;
  }

  /** What was drawn, as GeoJSON (to keep it as a result layer). */
  collection(): FeatureCollection {
    return { type: 'FeatureCollection', features: this.drawn.slice() };
  }

  clear(): void {
    this.drawn.length = 0;
    this.source.clear();
  }

  dispose(): void {
    this.clear();
    this.map.removeLayer(this.layer);
  }
}
