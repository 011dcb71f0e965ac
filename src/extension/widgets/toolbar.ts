// The map's toolbar: tools (select/pan, point, box), "Everything in view", the text prompt with its
// threshold, undo/redo, export, download, fit and the side-panel toggle. Disabled until the map opens
// (and for good when it cannot open).
import type { ToolName } from '../map/map-view.js';
import type { EngineClient } from '../api/client.js';
import { button, el } from './dom.js';

export interface ToolbarActions {
  tool: (t: ToolName) => void;
  everything: () => void;
  text: () => void;
  undo: () => void;
  redo: () => void;
  exportLayer: () => void;
  download: () => void;
  fit: () => void;
  toggleSide: () => void;
}

export class Toolbar {
  readonly node = el('div', { class: 'jp-FastSamGeo-toolbar' });
  readonly textInput = el('input', { class: 'jp-FastSamGeo-text', type: 'text', placeholder: 'building, swimming pool…', 'aria-label': 'text prompt' });
  private readonly thresholdInput = el('input', { class: 'jp-FastSamGeo-threshold', type: 'range', min: '0', max: '1', step: '0.01', 'aria-label': 'score threshold' });
  private readonly thresholdValue = el('span', { class: 'jp-FastSamGeo-thresholdValue' });
  private readonly toolButtons = new Map<ToolName, HTMLButtonElement>();
  private readonly findButton: HTMLButtonElement;
  private textDisabled: string | null = null;

  constructor(threshold: number, a: ToolbarActions) {
    this.setThreshold(threshold);
    this.thresholdInput.oninput = () => (this.thresholdValue.textContent = Number(this.thresholdInput.value).toFixed(2));
    this.textInput.onkeydown = (e) => {
      if (e.key === 'Enter') a.text();
      e.stopPropagation();
    };
    const tool = (name: ToolName, label: string, title: string) => {
      const b = button(label, title, `tool-${name}`, () => a.tool(name));
      if (name !== 'pan') b.dataset.prompt = 'true';
      this.toolButtons.set(name, b);
      return b;
    };
    const prompt = <T extends HTMLElement>(e: T): T => {
      e.dataset.prompt = 'true';
      return e;
    };
    this.findButton = button('Find', 'Run the text prompt (Enter)', 'text', a.text);
    this.node.append(
      tool('pan', 'Select', 'Pan, select, edit (Esc)'),
      tool('point', 'Point', 'Point prompt: click = building, Alt/Shift-click = background (P; P again starts afresh)'),
      tool('box', 'Box', 'Box prompt: drag a rectangle (B)'),
      prompt(el('span', { class: 'jp-FastSamGeo-sep' })),
      prompt(button('Everything in view', 'Find all objects in the visible extent (E)', 'everything', a.everything)),
      prompt(el('span', { class: 'jp-FastSamGeo-sep' })),
      prompt(this.textInput),
      prompt(this.thresholdInput),
      prompt(this.thresholdValue),
      prompt(this.findButton),
      el('span', { class: 'jp-FastSamGeo-sep' }),
      button('Undo', 'Undo (Ctrl+Z)', 'undo', a.undo),
      button('Redo', 'Redo (Ctrl+Shift+Z)', 'redo', a.redo),
      button('Export…', 'Export the active layer as GeoJSON beside the file', 'export', a.exportLayer),
      button('Download', 'Download the active layer: GeoJSON, GeoPackage, FlatGeobuf or GeoParquet', 'download', a.download),
      button('Fit', 'Zoom to the raster', 'fit', a.fit),
      button('☰', 'Show/hide the side panel', 'toggle-side', a.toggleSide)
    );
  }

  get threshold(): number {
    return Number(this.thresholdInput.value);
  }

  setThreshold(t: number): void {
    this.thresholdInput.value = String(t);
    this.thresholdValue.textContent = Number(t).toFixed(2);
  }

  setActive(tool: ToolName): void {
    for (const [name, b] of this.toolButtons) b.classList.toggle('jp-mod-active', name === tool);
  }

  /** Everything off (loading, or a file that cannot open); on, with prompts only on a raster. */
  setEnabled(on: boolean, opts: { pixelMode?: boolean; vectorOnly?: boolean } = {}): void {
    for (const c of Array.from(this.node.children) as HTMLElement[]) {
      if (c instanceof HTMLButtonElement || c instanceof HTMLInputElement) {
        const isPrompt = c.dataset.prompt === 'true';
        c.disabled = !on || (isPrompt && !!opts.vectorOnly);
      }
    }
    if (on && this.textDisabled) this.disableText(this.textDisabled);
  }

  /** The text prompt is unavailable (no CLIP): disabled, the tooltip says why. */
  disableText(why: string): void {
    this.textDisabled = why;
    for (const e of [this.textInput, this.thresholdInput, this.findButton]) {
      e.disabled = true;
      e.title = why;
    }
    this.textInput.placeholder = 'text prompts need CLIP';
  }
}

/** The text prompt needs the CLIP encoders: disabled with a tooltip when the engine has none. */
export async function checkClip(client: EngineClient, toolbar: Toolbar): Promise<void> {
  try {
    const r = await client.request<{ models: { kind: string; present: boolean }[] }>('models');
    const has = (k: string) => r.models.some((m) => m.kind === k && m.present);
    if (!has('clip-vision') || !has('clip-text')) {
      toolbar.disableText(
        'Text prompts need the CLIP encoders: set c.FastSamGeo.clip_vision and c.FastSamGeo.clip_text in jupyter_server_config.py (or download them: fastsam-geo models download clip-vision clip-text).'
      );
    }
  } catch {
    /* the engine is unreachable: the first prompt will say so */
  }
}
