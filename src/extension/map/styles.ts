// Result styles read from CSS custom properties (style/index.css defines them from the JupyterLab
// theme variables), so polygons follow the light/dark theme. Re-read on theme change.
import { Circle, Fill, Stroke, Style } from 'ol/style.js';

export interface StyleSettings {
  strokeWidth?: number;
  fillOpacity?: number;
  pointRadius?: number;
}

export interface ResultStyles {
  /** The default look of a result layer (polygons, lines and points). */
  normal: Style;
  hover: Style;
  selected: Style;
  fgPoint: Style;
  bgPoint: Style;
  box: Style;
  /** Candidate under the cursor in point mode (preview). */
  preview: Style;
  width: number;
  fillOpacity: number;
  radius: number;
  halo: string;
}

/** A style (polygon, line, point) in `color` for a layer of that colour. */
export function layerStyle(color: string, s: Pick<ResultStyles, 'width' | 'fillOpacity' | 'radius' | 'halo'>, opacityBoost = 0, extraWidth = 0): Style {
  const fill = new Fill({ color: withAlpha(color, Math.min(1, s.fillOpacity + opacityBoost)) });
  return new Style({
    stroke: new Stroke({ color, width: s.width + extraWidth }),
    fill,
    image: new Circle({ radius: s.radius, fill: new Fill({ color }), stroke: new Stroke({ color: s.halo, width: 2 }) })
  });
}

/** Distinct colours for vector layers (the first is the theme's result colour). */
export const LAYER_COLOURS = ['#1976d2', '#00897b', '#8e24aa', '#f4511e', '#3949ab', '#7cb342', '#6d4c41', '#00acc1'];

function cssVar(el: Element, name: string, fallback: string): string {
  const v = getComputedStyle(el).getPropertyValue(name).trim();
  return v || fallback;
}

export function withAlpha(color: string, alpha: number): string {
  // Let the browser parse any CSS colour, then apply alpha.
  const probe = document.createElement('canvas').getContext('2d');
  if (!probe) return color;
  probe.fillStyle = '#000';
  probe.fillStyle = color;
  const c = probe.fillStyle as string; // #rrggbb or rgba(...)
  if (c.startsWith('#') && c.length === 7) {
    const r = parseInt(c.slice(1, 3), 16);
    const g = parseInt(c.slice(3, 5), 16);
    const b = parseInt(c.slice(5, 7), 16);
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return c;
}

export function readResultStyles(el: Element, settings: StyleSettings = {}): ResultStyles {
  const width = settings.strokeWidth ?? 2;
  const fillOpacity = settings.fillOpacity ?? 0.25;
  const radius = settings.pointRadius ?? 6;
  const stroke = cssVar(el, '--jp-FastSamGeo-result-stroke', '#1976d2');
  const hover = cssVar(el, '--jp-FastSamGeo-hover-stroke', '#ff9800');
  const selected = cssVar(el, '--jp-FastSamGeo-selected-stroke', '#e91e63');
  const fg = cssVar(el, '--jp-FastSamGeo-fg-point', '#2e7d32');
  const bg = cssVar(el, '--jp-FastSamGeo-bg-point', '#c62828');
  const halo = cssVar(el, '--jp-FastSamGeo-halo', '#ffffff');
  const base = { width, fillOpacity, radius, halo };
  const point = (color: string) =>
    new Style({
      image: new Circle({ radius, fill: new Fill({ color }), stroke: new Stroke({ color: halo, width: 2 }) })
    });
  return {
    normal: layerStyle(stroke, base),
    hover: layerStyle(hover, base, 0.2, 1),
    selected: layerStyle(selected, base, 0.1, 2),
    fgPoint: point(fg),
    bgPoint: point(bg),
    box: new Style({ stroke: new Stroke({ color: hover, width: 2, lineDash: [6, 4] }) }),
    preview: new Style({ stroke: new Stroke({ color: hover, width: width + 1, lineDash: [4, 3] }), fill: new Fill({ color: withAlpha(hover, 0.15) }) }),
    ...base
  };
}
