// The map of one document: an OpenLayers map of a GeoTIFF (in its own CRS when proj4 knows it) or of
// a GeoJSON layer, with result layers, prompt tools and an optional XYZ basemap. No JupyterLab here:
// the widget drives it and hears back through callbacks with WGS84 coordinates. The identify popup
// lives in identify-popup.ts.
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import TileLayer from 'ol/layer/Tile.js';
import XYZ from 'ol/source/XYZ.js';
import ScaleLine from 'ol/control/ScaleLine.js';
import { defaults as defaultControls } from 'ol/control/defaults.js';
import { get as getProjection } from 'ol/proj.js';
import Projection from 'ol/proj/Projection.js';
import { containsCoordinate } from 'ol/extent.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import type WebGLTileLayer from 'ol/layer/WebGLTile.js';
import type { Extent } from 'ol/extent.js';
import type { FeatureCollection, RasterInfo } from '../api/types.js';
import { UndoStack } from '../model/undo.js';
import { IdentifyPopup } from './identify-popup.js';
import { canReachWgs84, ensureProjection, extentFromWgs84, extentToWgs84, toWgs84 } from './projection.js';
import { openRasterLayer, setBands, setStretch, stretchFromView, type RasterDisplay } from './raster-layer.js';
import { Results, type FeatureInfo } from './results.js';
import { readResultStyles, type StyleSettings } from './styles.js';
import { PromptTools, type MarkedPoint, type ToolName } from './tools.js';

export type { ToolName, FeatureInfo, RasterDisplay };

/** Coordinates as the engine takes them: WGS84, or raster pixels (x right, y down) without georeferencing. */
export type EngineCrs = 'EPSG:4326' | 'pixel';

export interface MapViewCallbacks {
  /** Point tool: all current markers, in WGS84. */
  onPoints?: (points: { x: number; y: number; label: 0 | 1 }[]) => void;
  /** Box tool: the box in WGS84 [west, south, east, north]. */
  onBox?: (bbox: [number, number, number, number]) => void;
  onSelect?: (info: FeatureInfo | null) => void;
  onChange?: () => void;
  /** A point-tool click outside the raster (refused before any request). */
  onOutside?: () => void;
  /** The basemap's tiles fail to load (offline): told once. */
  onBasemapError?: () => void;
}

export interface MapViewOptions extends MapViewCallbacks {
  /** URL of the GeoTIFF (read with range requests) — or nothing for a vector-only map. */
  rasterUrl?: string;
  headers?: Record<string, string>;
  info?: RasterInfo | null;
  display?: RasterDisplay | ((bandCount: number) => RasterDisplay);
  basemapUrl?: string | null;
  basemapAttribution?: string;
  styleSettings?: StyleSettings;
}

/** Whether engine metadata describes a raster without georeferencing (no geotransform, no CRS). */
export function isUngeoreferenced(info: RasterInfo | null | undefined): boolean {
  if (!info || info.crs || info.bounds_wgs84) return false;
  const b = info.bounds;
  return b[0] === 0 && b[1] === 0 && b[2] === info.width && b[3] === info.height;
}

/** Without engine metadata: RGB for 3+ bands, else grey; 8-bit range until auto-stretched. */
export function defaultDisplay(bandCount: number): RasterDisplay {
  return bandCount >= 3
    ? { bands: [1, 2, 3], stretch: [[0, 255], [0, 255], [0, 255]] }
    : { bands: [1], stretch: [[0, 255]] };
}

export class MapView {
  readonly element: HTMLDivElement;
  readonly undo = new UndoStack();
  map!: OlMap;
  projection = 'EPSG:3857';
  results!: Results;
  tools!: PromptTools;
  raster: WebGLTileLayer | null = null;
  rasterExtent: Extent | null = null;
  display: RasterDisplay | null = null;
  bandCount = 0;
  private alphaBand: number | null = null;
  renders = 0;
  private basemap: TileLayer | null = null;
  private popup!: IdentifyPopup;
  /** Height of the raster on a pixel map (no georeferencing); null on a georeferenced map. */
  pixelHeight: number | null = null;
  readonly coordsEl: HTMLDivElement;
  private basemapFailed = false;
  /** Point-mode preview: the candidate under the cursor (drawn dashed, not a result layer). */
  private readonly preview = new VectorSource();
  previewData: FeatureCollection | null = null;

  constructor(private readonly options: MapViewOptions = {}) {
    this.element = document.createElement('div');
    this.element.className = 'jp-FastSamGeo-mapCanvas';
    this.coordsEl = document.createElement('div');
    this.coordsEl.className = 'jp-FastSamGeo-coords';
  }

  /** Raster pixels without georeferencing: a map in pixel units (y up), prompts in pixels. */
  get pixelMode(): boolean {
    return this.pixelHeight !== null;
  }

  get engineCrs(): EngineCrs {
    return this.pixelMode ? 'pixel' : 'EPSG:4326';
  }

  /** A view coordinate in the engine's coordinates. */
  toEngine(c: number[]): [number, number] {
    if (this.pixelHeight !== null) return [c[0], this.pixelHeight - c[1]];
    const [x, y] = toWgs84(c, this.projection);
    return [x, y];
  }

  /** A view extent in the engine's coordinates [minx, miny, maxx, maxy]. */
  extentToEngine(e: Extent): [number, number, number, number] {
    if (this.pixelHeight !== null) return [e[0], this.pixelHeight - e[3], e[2], this.pixelHeight - e[1]];
    const [w, s, ea, n] = extentToWgs84(e, this.projection);
    return [w, s, ea, n];
  }

  /** Builds the map; for a raster, opens it (rejects with the reader's error). */
  async open(): Promise<void> {
    const o = this.options;
    let view: View;
    if (o.rasterUrl) {
      if (o.info?.crs) ensureProjection(o.info.crs);
      else ensureProjection('EPSG:4326');
      let projection: Projection | undefined;
      if (o.info && isUngeoreferenced(o.info)) {
        this.pixelHeight = o.info.height;
        projection = new Projection({ code: 'fastsam-geo:pixels', units: 'pixels', extent: [0, 0, o.info.width, o.info.height] });
      }
      const opened = await openRasterLayer(o.display ?? defaultDisplay, {
        url: o.rasterUrl,
        headers: o.headers,
        nodata: o.info?.nodata,
        bands: o.info?.bands,
        projection
      });
      this.display = opened.display;
      this.alphaBand = opened.alphaBand;
      this.bandCount = opened.bandCount;
      this.raster = opened.layer;
      const proj = projection ?? getProjection(opened.view.projection ?? 'EPSG:3857');
      this.projection = proj?.getCode() ?? 'EPSG:3857';
      this.rasterExtent = opened.view.extent ?? null;
      view = new View({ ...opened.view, extent: undefined, showFullExtent: true, maxZoom: 28 } as never);
      // resolutions from the overviews stop at the native one; allow zooming in past it
      const resolutions = (opened.view.resolutions ?? []).slice();
      if (resolutions.length > 0) {
        let r = resolutions[resolutions.length - 1];
        for (let i = 0; i < 3; i++) resolutions.push((r /= 2));
        view = new View({ ...opened.view, resolutions, extent: undefined, showFullExtent: true } as never);
      }
    } else {
      view = new View({ projection: 'EPSG:3857', center: [0, 0], zoom: 2 });
    }
    this.popup = new IdentifyPopup(() => this.map, () => this.results);
    this.map = new OlMap({
      target: this.element,
      view,
      layers: this.raster ? [this.raster] : [],
      // no metric scale bar over pixel units
      controls: defaultControls({ attribution: true, attributionOptions: { collapsible: true } }).extend(this.pixelMode ? [] : [new ScaleLine()]),
      overlays: [this.popup.overlay]
    });
    this.element.append(this.coordsEl);
    this.map.on('pointermove', (e) => this.showCoordinates(e.coordinate));
    this.map.on('rendercomplete', () => {
      this.renders++;
    });
    const styles = readResultStyles(this.element, o.styleSettings);
    this.results = new Results(this.map, { projection: this.projection, pixelHeight: this.pixelHeight }, this.undo, styles, () => {
      o.onChange?.();
      this.popup.refresh();
    }, (info, coord) => {
      this.popup.show(info, coord);
      o.onSelect?.(info);
    });
    this.tools = new PromptTools(this.map, styles, (pts) => this.emitPoints(pts), (extent) => this.emitBox(extent));
    this.tools.bounds = this.rasterExtent;
    this.map.addLayer(new VectorLayer({ source: this.preview, style: styles.preview, zIndex: 900, properties: { fsgPreview: true } }));
    this.tools.onOutside = () => o.onOutside?.();
    if (this.rasterExtent) this.fit(this.rasterExtent);
    if (o.basemapUrl && !this.pixelMode) this.setBasemap(o.basemapUrl, o.basemapAttribution);
  }

  /** Cursor position: lon/lat and the map's CRS, or raster pixels. */
  private showCoordinates(c: number[]): void {
    if (this.pixelHeight !== null) {
      this.coordsEl.textContent = `x ${Math.floor(c[0])}, y ${Math.floor(this.pixelHeight - c[1])} (pixels)`;
      return;
    }
    const parts: string[] = [];
    if (this.canUseWgs84) {
      const [lon, lat] = toWgs84(c, this.projection);
      parts.push(`${lat.toFixed(6)}°, ${lon.toFixed(6)}°`);
    }
    if (this.projection !== 'EPSG:4326') parts.push(`${c[0].toFixed(1)}, ${c[1].toFixed(1)} (${this.projection})`);
    this.coordsEl.textContent = parts.join('  ·  ');
  }

  /** Shows (or with null clears) the hover preview: the candidate objects of a point prompt. */
  setPreview(fc: FeatureCollection | null): void {
    this.preview.clear();
    this.previewData = fc;
    if (fc && fc.features.length > 0) this.preview.addFeatures(this.results.readFeatures(fc));
  }

  /** Whether the preview's objects cover this view coordinate (a click there accepts the preview). */
  previewCovers(c: number[]): boolean {
    return this.preview.getFeatures().some((f) => f.getGeometry()?.intersectsCoordinate(c));
  }

  /** Whether a view coordinate lies on the raster (always true on a vector-only map). */
  onRaster(c: number[]): boolean {
    return !this.rasterExtent || containsCoordinate(this.rasterExtent, c);
  }

  get canUseWgs84(): boolean {
    return canReachWgs84(this.projection);
  }

  private emitPoints(points: MarkedPoint[]): void {
    this.options.onPoints?.(
      points.map((p) => {
        const [x, y] = this.toEngine(p.coordinate);
        return { x, y, label: p.label };
      })
    );
  }

  private emitBox(extent: Extent): void {
    this.options.onBox?.(this.extentToEngine(extent));
  }

  /** Closes the identify popup and clears the selection (Esc). */
  closePopup(): void {
    this.popup?.hide();
    this.results?.clearSelection();
  }

  setTool(tool: ToolName): void {
    this.tools.setTool(tool);
    this.results.setEditing(tool === 'pan');
    this.element.dataset.tool = tool;
  }

  /** Re-reads the theme's CSS variables (after a theme change). */
  refreshStyles(): void {
    const styles = readResultStyles(this.element, this.options.styleSettings);
    this.results.setStyles(styles);
    this.tools.setStyles(styles);
  }

  fit(extent: Extent | null = this.rasterExtent): void {
    if (!extent) return;
    this.map.getView().fit(extent, { padding: [16, 16, 16, 16] });
  }

  fitWgs84(bbox: Extent): void {
    this.fit(extentFromWgs84(bbox, this.projection));
  }

  viewExtent(): Extent {
    return this.map.getView().calculateExtent(this.map.getSize());
  }

  /** The visible extent in the engine's coordinates (WGS84 or pixels), clipped to the raster. */
  engineExtent(): { bbox: [number, number, number, number]; crs: EngineCrs } | null {
    if (this.pixelMode) {
      let e = this.viewExtent();
      const r = this.rasterExtent!;
      e = [Math.max(e[0], r[0]), Math.max(e[1], r[1]), Math.min(e[2], r[2]), Math.min(e[3], r[3])];
      if (e[0] >= e[2] || e[1] >= e[3]) return null;
      return { bbox: this.extentToEngine(e), crs: 'pixel' };
    }
    const bbox = this.viewExtent84();
    return bbox ? { bbox, crs: 'EPSG:4326' } : null;
  }

  /** The visible extent in WGS84, clipped to the raster when there is one. */
  viewExtent84(): [number, number, number, number] | null {
    if (this.pixelMode || !this.canUseWgs84) return null;
    let e = this.viewExtent();
    if (this.rasterExtent) {
      const r = this.rasterExtent;
      e = [Math.max(e[0], r[0]), Math.max(e[1], r[1]), Math.min(e[2], r[2]), Math.min(e[3], r[3])];
      if (e[0] >= e[2] || e[1] >= e[3]) return null;
    }
    const [w, s, ea, n] = extentToWgs84(e, this.projection);
    return [w, s, ea, n];
  }

  setDisplay(display: RasterDisplay): void {
    const bandsChanged = JSON.stringify(display.bands) !== JSON.stringify(this.display?.bands);
    this.display = display;
    if (!this.raster) return;
    if (bandsChanged) setBands(this.raster, display, this.alphaBand);
    else setStretch(this.raster, display);
  }

  /** Stretch estimated from the rendered view (2–98 %); applied and returned, or null. */
  autoStretch(): [number, number][] | null {
    if (!this.raster || !this.display) return null;
    const stretch = stretchFromView(this.map, this.raster, this.display);
    if (stretch) this.setDisplay({ ...this.display, stretch });
    return stretch;
  }

  /** Sets (or, with null, removes) the XYZ basemap; tiles that fail to load are reported once. */
  setBasemap(url: string | null, attribution?: string): void {
    if (this.basemap) {
      this.map.removeLayer(this.basemap);
      this.basemap = null;
    }
    if (!url || this.pixelMode) return;
    const source = new XYZ({ url, crossOrigin: 'anonymous', attributions: attribution ? [attribution] : undefined });
    source.on('tileloaderror', () => {
      if (this.basemapFailed) return;
      this.basemapFailed = true;
      this.options.onBasemapError?.();
    });
    this.basemap = new TileLayer({ source, zIndex: -1, properties: { fsgBasemap: true } });
    this.map.getLayers().insertAt(0, this.basemap);
  }

  get basemapLayer(): TileLayer | null {
    return this.basemap;
  }

  /** Raster opacity (layer list). */
  setRasterOpacity(opacity: number): void {
    this.raster?.setOpacity(opacity);
  }

  setStyleSettings(settings: StyleSettings): void {
    this.options.styleSettings = settings;
    this.refreshStyles();
  }

  addGeoJSON(title: string, fc: FeatureCollection): string {
    return this.results.addRun(title, fc);
  }

  /** Resolves once the map has completed a render. */
  whenRendered(): Promise<void> {
    if (this.renders > 0) return Promise.resolve();
    return new Promise((resolve) => this.map.once('rendercomplete', () => resolve()));
  }

  /** Resolves after the next completed render (or after `timeoutMs`, when nothing needs drawing). */
  nextRender(timeoutMs = 10000): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.map.once('rendercomplete', () => {
        clearTimeout(t);
        resolve();
      });
      this.map.render();
    });
  }

  updateSize(): void {
    this.map?.updateSize();
  }

  dispose(): void {
    this.map?.setTarget(undefined);
    this.map?.dispose();
  }
}
