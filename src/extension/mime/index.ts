// MIME renderer for application/geo+json: `display({"application/geo+json": fc}, raw=True)` in a
// notebook shows the features on a small map.
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import { MiniMap } from '../map/mini-map.js';
import { GEOJSON_MIME } from '../tokens.js';
import { testHook } from '../test-hook.js';

export class GeoJSONRenderer extends Widget implements IRenderMime.IRenderer {
  private mini: MiniMap | null = null;

  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('jp-FastSamGeo-mime');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.options.mimeType] as unknown;
    this.mini?.dispose();
    this.node.replaceChildren();
    const host = document.createElement('div');
    host.className = 'jp-FastSamGeo-mimeMap';
    this.node.append(host);
    try {
      this.mini = new MiniMap(host, typeof data === 'string' ? JSON.parse(data) : data);
      const caption = document.createElement('div');
      caption.className = 'jp-FastSamGeo-mimeCaption';
      caption.textContent = `${this.mini.featureCount} feature(s)`;
      this.node.append(caption);
      this.node.dataset.features = String(this.mini.featureCount);
      testHook()?.mini.push(this.mini);
    } catch (err) {
      this.node.textContent = `Cannot render GeoJSON: ${(err as Error).message}`;
      this.node.dataset.error = 'true';
    }
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    requestAnimationFrame(() => this.mini?.fitToSize());
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.mini?.map.updateSize();
  }

  override dispose(): void {
    this.mini?.dispose();
    super.dispose();
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [GEOJSON_MIME],
  defaultRank: 60,
  createRenderer: (options) => new GeoJSONRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'fastsam-geo:geojson-renderer',
  description: 'Renders application/geo+json outputs on a small map.',
  rendererFactory,
  rank: 60,
  dataType: 'json'
};

export default extension;
