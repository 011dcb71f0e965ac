// The side panel's layer list: the raster (opacity) and each vector layer (visibility, name, feature
// count, colour, opacity, attribute table, remove). Clicking a name makes the layer active (the one
// exported and shown in the table).
import type { MapView } from '../map/map-view.js';
import { button, el } from './dom.js';

export function renderLayerList(host: HTMLElement, v: MapView, onTable: (id: string) => void): void {
  host.replaceChildren(el('div', { class: 'jp-FastSamGeo-sectionTitle', text: 'Layers' }));
  for (const run of v.results.list().slice().reverse()) {
    const visible = el('input', { type: 'checkbox', 'aria-label': `show ${run.title}` });
    visible.checked = run.visible;
    visible.onchange = () => v.results.setVisible(run.id, visible.checked);
    const name = el('span', { class: 'jp-FastSamGeo-layerName', text: `${run.title} (${run.count})`, title: 'Make this the active layer' });
    name.onclick = () => v.results.setActive(run.id);
    const colour = el('input', { type: 'color', class: 'jp-FastSamGeo-layerColour', 'aria-label': `colour of ${run.title}` });
    colour.value = toHex(run.color);
    colour.onchange = () => v.results.setColor(run.id, colour.value);
    const table = button('▦', `Attribute table of ${run.title}`, 'table', () => onTable(run.id));
    const remove = button('×', `Remove ${run.title}`, 'remove-layer', () => v.results.removeRun(run.id));
    const opacity = slider(`opacity of ${run.title}`, run.opacity, (x) => v.results.setOpacity(run.id, x));
    const row = el('div', { class: 'jp-FastSamGeo-layer', 'data-run': run.id }, [visible, colour, name, table, remove]);
    row.classList.toggle('jp-mod-active', run.active);
    host.append(el('div', { class: 'jp-FastSamGeo-layerBlock' }, [row, opacity]));
  }
  if (v.raster) {
    const opacity = slider('raster opacity', v.raster.getOpacity(), (x) => v.setRasterOpacity(x));
    const visible = el('input', { type: 'checkbox', 'aria-label': 'show raster' });
    visible.checked = v.raster.getVisible();
    visible.onchange = () => v.raster?.setVisible(visible.checked);
    host.append(
      el('div', { class: 'jp-FastSamGeo-layerBlock' }, [
        el('div', { class: 'jp-FastSamGeo-layer', 'data-run': 'raster' }, [visible, el('span', { class: 'jp-FastSamGeo-layerName', text: 'raster' })]),
        opacity
      ])
    );
  }
  const base = v.basemapLayer;
  if (base) {
    const visible = el('input', { type: 'checkbox', 'aria-label': 'show basemap' });
    visible.checked = base.getVisible();
    visible.onchange = () => base.setVisible(visible.checked);
    host.append(
      el('div', { class: 'jp-FastSamGeo-layerBlock' }, [
        el('div', { class: 'jp-FastSamGeo-layer', 'data-run': 'basemap' }, [visible, el('span', { class: 'jp-FastSamGeo-layerName', text: 'basemap' })]),
        slider('basemap opacity', base.getOpacity(), (x) => base.setOpacity(x))
      ])
    );
  }
}

function slider(label: string, value: number, onInput: (x: number) => void): HTMLInputElement {
  const s = el('input', { type: 'range', min: '0', max: '1', step: '0.05', class: 'jp-FastSamGeo-opacity', 'aria-label': label, title: label });
  s.value = String(value);
  s.oninput = () => onInput(Number(s.value));
  return s;
}

/** Any CSS colour → #rrggbb for <input type=color>. */
function toHex(color: string): string {
  const c = document.createElement('canvas').getContext('2d');
  if (!c) return '#1976d2';
  c.fillStyle = '#000';
  c.fillStyle = color;
  const v = c.fillStyle as string;
  return v.startsWith('#') ? v : '#1976d2';
}
