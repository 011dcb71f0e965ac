// Prompt tools on the map: point (click = foreground, Alt/Shift-click = background, markers shown)
// and box (drag a rectangle). They report coordinates in the view projection; the map view turns
// them into engine prompts. Point mode listens to 'click', not OpenLayers' 'singleclick' (which
// waits ~250 ms to rule out a double-click), and turns double-click zoom off meanwhile.
import type Map from 'ol/Map.js';
import type MapBrowserEvent from 'ol/MapBrowserEvent.js';
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Draw, { createBox } from 'ol/interaction/Draw.js';
import DoubleClickZoom from 'ol/interaction/DoubleClickZoom.js';
import { containsCoordinate, type Extent } from 'ol/extent.js';
import type { ResultStyles } from './styles.js';

export type ToolName = 'pan' | 'point' | 'box';

export interface MarkedPoint {
  coordinate: number[];
  label: 0 | 1;
}

export class PromptTools {
  private tool: ToolName = 'pan';
  private seq = 0;
  private readonly markers = new VectorSource();
  private readonly markerLayer: VectorLayer<VectorSource>;
  private readonly draw: Draw;
  private readonly clickKey: (e: MapBrowserEvent<PointerEvent>) => void;
  /** Where points may go (the raster); a click elsewhere is refused here, before any request. */
  bounds: Extent | null = null;
  /** Told about a click outside `bounds`. */
  onOutside: (() => void) | null = null;
  /** Time (performance.now) of the last accepted click: the start of the click → polygon latency. */
  lastClickAt = 0;
  /** Point mode: the cursor moved (for the hover preview); null when it left the map. */
  onHover: ((coordinate: number[] | null) => void) | null = null;

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
      if (this.bounds && !containsCoordinate(this.bounds, e.coordinate)) {
        this.onOutside?.();
        return;
      }
      this.lastClickAt = performance.now();
      this.addPoint(e.coordinate, label);
    };
    map.on('click', this.clickKey as never);
    map.on('pointermove', (e) => {
      if (this.tool === 'point' && !e.dragging) this.onHover?.(e.coordinate);
    });
    map.getViewport()?.addEventListener('pointerleave', () => this.onHover?.(null));
  }

  get current(): ToolName {
    return this.tool;
  }

  /** Switches tools; choosing a tool again (P twice) also starts afresh: old markers are cleared. */
  setTool(tool: ToolName): void {
    this.tool = tool;
    this.draw.setActive(tool === 'box');
    this.map.getInteractions().forEach((i) => {
      if (i instanceof DoubleClickZoom) i.setActive(tool !== 'point');
    });
    this.clearPoints();
  }

  /** Removes the last marker (its prompt failed: it must not poison the next click). */
  dropLast(): void {
    const f = this.markers.getFeatures().sort((a, b) => (a.get('seq') ?? 0) - (b.get('seq') ?? 0)).at(-1);
    if (f) this.markers.removeFeature(f);
  }

  setStyles(styles: ResultStyles): void {
    this.styles = styles;
    this.markerLayer.changed();
  }

  addPoint(coordinate: number[], label: 0 | 1): void {
    const f = new Feature({ geometry: new Point(coordinate), label, seq: ++this.seq });
    this.markers.addFeature(f);
    this.onPoints(this.points());
  }

  points(): MarkedPoint[] {
    return this.markers.getFeatures().sort((a, b) => a.get('seq') - b.get('seq')).map((f) => ({
      coordinate: (f.getGeometry() as Point).getCoordinates(),
      label: f.get('label') as 0 | 1
    }));
  }

  /** Forgets the markers: the next click starts a new point run. */
  clearPoints(): void {
    this.markers.clear();
  }
}
