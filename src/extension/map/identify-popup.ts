// The identify popup: every property of the selected feature (id, score, area first) and a Delete
// button, placed above the feature (its vertices stay free to drag) unless that would leave the map at
// the top, then below it; refreshed after an edit (the area changes), closed when the feature is gone.
import type OlMap from 'ol/Map.js';
import Overlay from 'ol/Overlay.js';
import type { FeatureInfo, Results } from './results.js';

export class IdentifyPopup {
  readonly overlay: Overlay;
  private readonly el: HTMLDivElement;

  constructor(private readonly map: () => OlMap, private readonly results: () => Results) {
    this.el = document.createElement('div');
    this.el.className = 'jp-FastSamGeo-popup';
    this.overlay = new Overlay({ element: this.el, autoPan: false, positioning: 'bottom-center', offset: [0, -8] });
  }

  /** Shows a feature's properties at `coord`, or with null hides the popup. */
  show(info: FeatureInfo | null, coord: number[] | null): void {
    if (!info || !coord) {
      this.overlay.setPosition(undefined);
      return;
    }
    const fmt = (v: number | null, digits: number) => (v === null ? '—' : v.toFixed(digits));
    this.el.replaceChildren();
    const rows: [string, string][] = [
      ['id', String(info.id ?? '—')],
      ['score', fmt(info.score, 3)],
      ['area', info.area_m2 === null ? '—' : `${fmt(info.area_m2, 1)} m²`]
    ];
    // identify shows every property (internal ones aside)
    for (const [k, v] of Object.entries(info.properties)) {
      if (['id', 'score', 'area_m2', 'fsg_run', 'fsg_order'].includes(k)) continue;
      rows.push([k, v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v)]);
    }
    for (const [k, v] of rows) {
      const row = document.createElement('div');
      row.className = 'jp-FastSamGeo-popupRow';
      row.dataset.key = k;
      row.textContent = `${k}: ${v}`;
      this.el.appendChild(row);
    }
    const del = document.createElement('button');
    del.className = 'jp-Button jp-mod-styled jp-mod-warn jp-FastSamGeo-deleteFeature';
    del.textContent = 'Delete';
    del.onclick = () => this.results().deleteSelected();
    this.el.appendChild(del);
    // Above the selected feature (so that its vertices stay free to drag), unless that would leave
    // the map at the top: then below it.
    const e = this.results().selected()[0]?.getGeometry()?.getExtent();
    const x = e ? Math.min(Math.max(coord[0], e[0]), e[2]) : coord[0];
    const top = [x, e ? e[3] : coord[1]];
    const bottom = [x, e ? e[1] : coord[1]];
    const px = this.map().getPixelFromCoordinate(top);
    const below = px !== null && px[1] < 40 + 18 * rows.length;
    this.overlay.setPositioning(below ? 'top-center' : 'bottom-center');
    this.overlay.setOffset(below ? [0, 10] : [0, -10]);
    this.overlay.setPosition(below ? bottom : top);
  }

  /** After an edit: the popup shows the selected feature's new values (area), or closes when it is gone. */
  refresh(): void {
    const pos = this.overlay.getPosition();
    if (!pos) return;
    const f = this.results().selected()[0];
    if (f && f.getGeometry()) this.show(this.results().info(f), pos);
    else this.overlay.setPosition(undefined);
  }

  hide(): void {
    this.overlay.setPosition(undefined);
  }
}
