// The raster on the map: an OpenLayers WebGL tile layer over ol/source/GeoTIFF, which reads the file
// through a URL with HTTP range requests (a COG streams tile by tile; a striped TIFF still opens).
// Values stay raw (normalize: false); the display stretch is applied in the layer style through style
// variables, so changing it is instant; changing bands swaps the style (the source reads all bands).
import GeoTIFF from 'ol/source/GeoTIFF.js';
import WebGLTileLayer from 'ol/layer/WebGLTile.js';
import type { ViewOptions } from 'ol/View.js';
import type Map from 'ol/Map.js';
import type Projection from 'ol/proj/Projection.js';

export interface RasterDisplay {
  /** 1-based band indices: one (grey) or three (RGB). */
  bands: number[];
  /** [min, max] per displayed band, in raw values. */
  stretch: [number, number][];
}

export interface RasterLayerOptions {
  url: string;
  headers?: Record<string, string>;
  nodata?: number | null;
  /** The map projection to read the file in (a pixel projection for a raster without georeferencing). */
  projection?: Projection;
}

export interface OpenedRaster {
  layer: WebGLTileLayer;
  source: GeoTIFF;
  view: ViewOptions;
  /** Data bands of the file (without the alpha band OpenLayers adds for nodata/masks). */
  bandCount: number;
}

// Style variable names, per displayed band.
const SUFFIX = ['a', 'b', 'c'];
const loName = (i: number) => `lo${SUFFIX[i]}`;
const hiName = (i: number) => `hi${SUFFIX[i]}`;

function styleFor(display: RasterDisplay, alphaBand: number | null) {
  const lo = loName;
  const hi = hiName;
  const norm = (i: number) => [
    'clamp',
    [
      '/',
      ['-', ['band', display.bands[i]], ['var', lo(i)]],
      ['-', ['var', hi(i)], ['var', lo(i)]]
    ],
    0,
    1
  ];
  const grey = display.bands.length === 1;
  // Without normalization the alpha band OpenLayers adds holds 0 or 255: bring it to 0..1.
  const alpha = alphaBand === null ? 1 : ['clamp', ['band', alphaBand], 0, 1];
  const color = grey ? ['array', norm(0), norm(0), norm(0), alpha] : ['array', norm(0), norm(1), norm(2), alpha];
  return { variables: stretchVariables(display), color } as never;
}

export function stretchVariables(display: RasterDisplay): Record<string, number> {
  const v: Record<string, number> = {};
  display.stretch.forEach(([lo, hi], i) => {
    v[loName(i)] = lo;
    v[hiName(i)] = hi > lo ? hi : lo + 1e-6; // the style divides by (max - min)
  });
  return v;
}

/**
 * Opens the GeoTIFF at `url` (all bands) and builds its layer; rejects with the reader's error.
 * `bands` (the file's band count, from the engine's metadata) tells whether OpenLayers appended an
 * alpha band (nodata or mask); without it, an even count of 2 or 4 is taken as data + alpha.
 */
export async function openRasterLayer(
  display: RasterDisplay | ((bandCount: number) => RasterDisplay),
  options: RasterLayerOptions & { bands?: number }
): Promise<OpenedRaster & { display: RasterDisplay; alphaBand: number | null }> {
  const sourceInfo: { url: string; nodata?: number } = { url: options.url };
  if (options.nodata !== undefined && options.nodata !== null) sourceInfo.nodata = options.nodata;
  const source = new GeoTIFF({
    sources: [sourceInfo],
    normalize: false,
    interpolate: false,
    transition: 0,
    loadMissingProjection: true,
    sourceOptions: { headers: options.headers ?? {}, allowFullFile: false },
    ...(options.projection ? { projection: options.projection } : {})
  });
  // A file that is not a TIFF puts the source in the error state and getView() never settles:
  // race it against the error (the map then says why instead of loading forever).
  const failed = new Promise<never>((_, reject) => {
    const check = () => {
      if (source.getState() === 'error') reject(new Error(errorText(source.getError())));
    };
    source.on('change', check);
    check();
  });
  const view = await Promise.race([source.getView(), failed]);
  if (source.getState() === 'error') throw new Error(errorText(source.getError()));
  const bandCount = (source as unknown as { bandCount: number }).bandCount ?? 1;
  let alphaBand: number | null;
  if (options.bands !== undefined) alphaBand = bandCount > options.bands ? bandCount : null;
  else alphaBand = bandCount === 2 || bandCount === 4 ? bandCount : null;
  const dataBands = alphaBand === null ? bandCount : bandCount - 1;
  const chosen = typeof display === 'function' ? display(dataBands) : display;
  const layer = new WebGLTileLayer({ source, style: styleFor(chosen, alphaBand), cacheSize: 256 });
  return { layer, source, view, bandCount: dataBands, display: chosen, alphaBand };
}

function errorText(err: unknown): string {
  const m = err instanceof Error ? err.message : err ? String(err) : '';
  return `cannot read the GeoTIFF${m ? `: ${m}` : ''}`;
}

/** Switches the displayed bands (a new style; the source keeps every band). */
export function setBands(layer: WebGLTileLayer, display: RasterDisplay, alphaBand: number | null): void {
  layer.setStyle(styleFor(display, alphaBand));
}

export function setStretch(layer: WebGLTileLayer, display: RasterDisplay): void {
  layer.updateStyleVariables(stretchVariables(display));
}

/**
 * A stretch estimated from what the layer shows: raw values sampled on a grid over the map's
 * viewport (layer.getData), 2nd–98th percentile per displayed band, transparent pixels skipped.
 * Null when nothing was sampled (not rendered yet).
 */
export function stretchFromView(map: Map, layer: WebGLTileLayer, display: RasterDisplay, grid = 32): [number, number][] | null {
  const size = map.getSize();
  if (!size) return null;
  const n = display.bands.length;
  const samples: number[][] = display.bands.map(() => []);
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const px = [((gx + 0.5) * size[0]) / grid, ((gy + 0.5) * size[1]) / grid];
      const data = layer.getData(px) as ArrayLike<number> | null;
      if (!data || data.length < n) continue;
      if (data.length > n && data[data.length - 1] === 0) continue; // alpha: nodata / outside
      for (let b = 0; b < n; b++) samples[b].push(Number(data[b]));
    }
  }
  if (samples[0].length === 0) return null;
  return samples.map((s) => {
    s.sort((a, b) => a - b);
    const lo = s[Math.floor(0.02 * (s.length - 1))];
    let hi = s[Math.ceil(0.98 * (s.length - 1))];
    if (hi <= lo) hi = lo + 1;
    return [lo, hi] as [number, number];
  });
}
