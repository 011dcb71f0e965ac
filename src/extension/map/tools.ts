// Prompt tools on the map: point (click = foreground, Alt/Shift-click = background, markers shown)
// and box (drag a rectangle). They report coordinates in the view projection; the map view turns
// them into WGS84 prompts.
import type Map from 'ol/Map.js';
import type MapBrowserEvent from 'ol/MapBrowserEvent.js';
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Draw, { createBox } from 'ol/interaction/Draw.js';
import type { Extent } from 'ol/extent.js';
import type { ResultStyles } from './styles.js';

export type ToolName = 'pan' | 'point' | 'box';

export interface MarkedPoint {
  coordinate: number[];
  label: 0 | 1;
}

export class PromptTools {
  private tool: ToolName = 'pan';
  private readonly markers = new VectorSource();
  private readonly markerLayer: VectorLayer<VectorSource>;
  private readonly draw: Draw;
  private readonly clickKey: (e: MapBrowserEvent<PointerEvent>) => void;

  constructor(
    private readonly map: Map,
    private styles: ResultStyles,
    private readonly onPoints: (points: MarkedPoint[]) => void,
    private readonly onBox: (extent: Extent) => void
  ) {
    this.markerLayer = new VectorLayer({
      source: this.markers,
      style: (f) => (f.get('label') === 1 ? this.styles.fgPoint : this.styles.bgPoint),
      zIndex: 1000
    });
    map.addLayer(this.markerLayer);
    // freehand: press, drag, release draws the box (the map does not pan while the box tool is on)
    this.draw = new Draw({ type: 'Circle', geometryFunction: createBox(), freehand: true, style: () => this.styles.box });
    this.draw.setActive(false);
    this.draw.on('drawend', (e) => {
      const extent = e.feature.getGeometry()?.getExtent();
      if (extent) this.onBox(extent);
    });
    map.addInteraction(this.draw);
    this.clickKey = (e) => {
      if (this.tool !== 'point') return;
      const oe = e.originalEvent;
      const label: 0 | 1 = oe && (oe.altKey || oe.shiftKey) ? 0 : 1;
      this.addPoint(e.coordinate, label);
    };
    map.on('singleclick', this.clickKey as never);
  }

  get current(): ToolName {
    return this.tool;
  }

  setTool(tool: ToolName): void {
    this.tool = tool;
    this.draw.setActive(tool === 'box');
    if (tool !== 'point') this.clearPoints();
  }

  setStyles(styles: ResultStyles): void {
    this.styles = styles;
    this.markerLayer.changed();
  }

  addPoint(coordinate: number[], label: 0 | 1): void {
    const f = new Feature({ geometry: new Point(coordinate), label });
    this.markers.addFeature(f);
    this.onPoints(this.points());
  }

  points(): MarkedPoint[] {
    return this.markers.getFeatures().map((f) => ({
      coordinate: (f.getGeometry() as Point).getCoordinates(),
      label: f.get('label') as 0 | 1
    }));
  }

  /** Forgets the markers: the next click starts a new point run. */
  clearPoints(): void {
    this.markers.clear();
  }
}
