// Band and stretch controls of the raster: one (grey) or three (RGB) band pickers, min/max per shown
// band, "Auto" (stretch to the view) and "Reset" (the engine's stretch).
import type { RasterInfo } from '../api/types.js';
import type { MapView, RasterDisplay } from '../map/map-view.js';
import { button, el } from './dom.js';

export class DisplayControls {
  readonly node = el('div', { class: 'jp-FastSamGeo-display' });

  constructor(
    private bandCount: number,
    private display: RasterDisplay,
    private readonly onChange: (d: RasterDisplay) => void,
    private readonly onAuto: () => RasterDisplay | null,
    private readonly defaultStretch: (band: number) => [number, number] | null
  ) {
    this.render();
  }

  set(display: RasterDisplay): void {
    this.display = display;
    this.render();
  }

  private render(): void {
    const d = this.display;
    this.node.replaceChildren(el('div', { class: 'jp-FastSamGeo-sectionTitle', text: 'Display' }));
    const mode = el('select', { class: 'jp-FastSamGeo-mode', 'aria-label': 'display mode' }, [
      el('option', { value: 'grey', text: 'Grey' }),
      el('option', { value: 'rgb', text: 'RGB' })
    ]);
    mode.value = d.bands.length === 1 ? 'grey' : 'rgb';
    if (this.bandCount < 3) mode.disabled = true;
    mode.onchange = () => {
      const bands = mode.value === 'grey' ? [d.bands[0]] : [1, 2, 3].map((b) => Math.min(b, this.bandCount));
      this.emit({ bands, stretch: bands.map((b, i) => this.defaultStretch(b) ?? d.stretch[i] ?? d.stretch[0]) });
    };
    this.node.append(mode);
    const names = d.bands.length === 1 ? ['Band'] : ['R', 'G', 'B'];
    d.bands.forEach((band, i) => {
      const pick = el('select', { class: 'jp-FastSamGeo-band', 'data-index': String(i), 'aria-label': `${names[i]} band` });
      for (let b = 1; b <= Math.max(1, this.bandCount); b++) pick.append(el('option', { value: String(b), text: String(b) }));
      pick.value = String(band);
      pick.onchange = () => {
        const bands = d.bands.slice();
        bands[i] = Number(pick.value);
        const stretch = d.stretch.slice();
        stretch[i] = this.defaultStretch(bands[i]) ?? stretch[i];
        this.emit({ bands, stretch });
      };
      const lo = el('input', { type: 'number', class: 'jp-FastSamGeo-min', 'aria-label': `${names[i]} min`, step: 'any' });
      const hi = el('input', { type: 'number', class: 'jp-FastSamGeo-max', 'aria-label': `${names[i]} max`, step: 'any' });
      lo.value = String(d.stretch[i][0]);
      hi.value = String(d.stretch[i][1]);
      const update = () => {
        const stretch = d.stretch.slice();
        stretch[i] = [Number(lo.value), Number(hi.value)];
        if (stretch[i][1] > stretch[i][0]) this.emit({ bands: d.bands, stretch }, false);
      };
      lo.onchange = update;
      hi.onchange = update;
      this.node.append(el('div', { class: 'jp-FastSamGeo-bandRow' }, [el('span', { text: names[i] }), pick, lo, hi]));
    });
    this.node.append(
      el('div', { class: 'jp-FastSamGeo-row' }, [
        button('Auto', 'Stretch to the values in view (2–98 %)', 'auto-stretch', () => {
          const next = this.onAuto();
          if (next) this.set(next);
        }),
        button('Reset', "The engine's default stretch", 'reset-stretch', () => {
          const stretch = d.bands.map((b, i) => this.defaultStretch(b) ?? d.stretch[i]);
          this.emit({ bands: d.bands, stretch });
        })
      ])
    );
  }

  private emit(display: RasterDisplay, rerender = true): void {
    this.display = display;
    this.onChange(display);
    if (rerender) this.render();
  }
}

/** The controls of a map's raster (engine metadata when there is some). */
export function displayControlsFor(v: MapView, info: RasterInfo | null): DisplayControls {
  return new DisplayControls(
    info?.bands ?? v.bandCount,
    v.display!,
    (d) => v.setDisplay(d),
    () => (v.autoStretch() ? v.display : null),
    (band) => info?.stretch?.[band - 1] ?? null
  );
}

/** Engine metadata → what to show: RGB for 3+ bands, else band 1; the engine's stretch. */
export function displayFromInfo(info: RasterInfo): RasterDisplay {
  const bands = info.bands >= 3 ? [1, 2, 3] : [1];
  const fallback: [number, number] = info.dtype === 'uint8' ? [0, 255] : [0, 1];
  return { bands, stretch: bands.map((b) => info.stretch?.[b - 1] ?? fallback) };
}
