// Attribute table of one layer, under the map: one row per feature, one column per property; a click
// on a header sorts by it (again: reverse), a click on a row selects the feature and zooms to it.
import type Feature from 'ol/Feature.js';
import type { MapView } from '../map/map-view.js';
import { button, el } from './dom.js';

const HIDDEN = new Set(['geometry', 'fsg_run', 'fsg_order']);

export class AttributeTable {
  readonly node = el('div', { class: 'jp-FastSamGeo-table' });
  runId: string | null = null;
  private sortKey: string | null = null;
  private descending = false;

  constructor(private readonly view: () => MapView | null) {
    this.node.hidden = true;
  }

  show(runId: string): void {
    this.runId = runId;
    this.node.hidden = false;
    this.render();
  }

  close(): void {
    this.runId = null;
    this.node.hidden = true;
  }

  render(): void {
    const v = this.view();
    if (!v || !this.runId || !v.results.has(this.runId)) {
      this.close();
      return;
    }
    const run = v.results.list().find((r) => r.id === this.runId)!;
    const features = v.results.features(this.runId);
    const keys: string[] = [];
    for (const f of features) for (const k of Object.keys(f.getProperties())) if (!HIDDEN.has(k) && !keys.includes(k)) keys.push(k);
    if (this.sortKey) {
      const k = this.sortKey;
      const sign = this.descending ? -1 : 1;
      features.sort((a, b) => sign * compare(a.get(k), b.get(k)));
    }
    const head = el('tr', {}, keys.map((k) => {
      const th = el('th', { text: k + (k === this.sortKey ? (this.descending ? ' ▼' : ' ▲') : ''), 'data-key': k, title: `Sort by ${k}` });
      th.onclick = () => {
        this.descending = this.sortKey === k ? !this.descending : false;
        this.sortKey = k;
        this.render();
      };
      return th;
    }));
    const selected = new Set(v.results.selected());
    const rows = features.map((f) => {
      const tr = el('tr', { 'data-id': String(f.getId()) }, keys.map((k) => el('td', { text: cell(f.get(k)) })));
      tr.classList.toggle('jp-mod-selected', selected.has(f));
      tr.onclick = () => this.choose(f);
      return tr;
    });
    const title = el('div', { class: 'jp-FastSamGeo-tableTitle' }, [
      el('span', { text: `${run.title}: ${features.length} feature(s)` }),
      button('×', 'Close the attribute table', 'close-table', () => this.close())
    ]);
    this.node.replaceChildren(title, el('div', { class: 'jp-FastSamGeo-tableScroll' }, [el('table', {}, [el('thead', {}, [head]), el('tbody', {}, rows)])]));
  }

  private choose(f: Feature): void {
    const v = this.view();
    if (!v) return;
    v.results.select(f);
    const e = f.getGeometry()?.getExtent();
    if (e) v.map.getView().fit(e, { padding: [60, 60, 60, 60] });
    this.render();
  }
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  return String(a).localeCompare(String(b));
}
