// A small read-only map of a GeoJSON FeatureCollection (WGS84), shown in web mercator: what a notebook
// `display()` of application/geo+json renders as.
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import ScaleLine from 'ol/control/ScaleLine.js';
import { defaults as defaultControls } from 'ol/control/defaults.js';
import { isEmpty } from 'ol/extent.js';
import { readResultStyles } from './styles.js';
import { dataProjectionOf } from './geojson-frame.js';

export class MiniMap {
  readonly map: OlMap;
  readonly featureCount: number;
  renders = 0;

  constructor(target: HTMLElement, geojson: unknown) {
    const features = new GeoJSON().readFeatures(geojson, { dataProjection: dataProjectionOf(geojson), featureProjection: 'EPSG:3857' });
    this.featureCount = features.length;
    const source = new VectorSource({ features });
    const styles = readResultStyles(target);
    this.map = new OlMap({
      target,
      layers: [new VectorLayer({ source, style: styles.normal })],
      controls: defaultControls({ attribution: false, rotate: false }).extend([new ScaleLine()]),
      view: new View({ projection: 'EPSG:3857', center: [0, 0], zoom: 1 })
    });
    this.map.on('rendercomplete', () => this.renders++);
    const extent = source.getExtent();
    if (extent && !isEmpty(extent)) this.map.getView().fit(extent, { padding: [12, 12, 12, 12], maxZoom: 20, size: [400, 300] });
  }

  fitToSize(): void {
    this.map.updateSize();
    const extent = (this.map.getLayers().item(0) as VectorLayer<VectorSource>).getSource()!.getExtent();
    if (extent && !isEmpty(extent)) this.map.getView().fit(extent, { padding: [12, 12, 12, 12], maxZoom: 20 });
  }

  dispose(): void {
    this.map.setTarget(undefined);
    this.map.dispose();
  }
}
