// Point prompts: each click adds a marker to the run; the run's objects replace the previous answer
// (in the output layer, or the run's own layer with layerPerRun). A single foreground click is
// answered without asking the engine when it can be: by the hover preview under it, else by the
// objects of the finished tiles held in the browser (map/tile-objects); otherwise the engine answers.
import type Feature from 'ol/Feature.js';
import type { FeatureCollection } from '../api/types.js';
import { TileObjects } from '../map/tile-objects.js';
import type { MapPanel } from './map-panel.js';

export type PointSource = 'preview' | 'tiles' | 'engine';

export class PointRun {
  private seq = 0;
  private runId: string | null = null;
  /** The run's features inside the output layer (one accumulating layer mode). */
  private features: Feature[] = [];
  /** Click → polygon drawn, in ms, of the last point prompt (measured for the UI tests and the bench). */
  lastLatency: number | null = null;
  /** What answered the last point prompt. */
  lastSource: PointSource | null = null;
  /** Click → objects in their layer (before the frame that draws them), in ms. */
  lastAnswer: number | null = null;

  /** The finished tiles' objects under the view: clicks answered in the browser. */
  readonly tiles: TileObjects;

  constructor(private readonly p: MapPanel) {
    this.tiles = new TileObjects((fc) => p.view!.results.readFeatures(fc));
  }

  /** Fetches the finished tiles' objects under the view that the map does not hold yet (no model run). */
  async refreshTiles(): Promise<void> {
    const p = this.p;
    if (!p.view?.raster || p.node.dataset.state === 'error') return;
    const req = p.request({});
    try {
      await this.tiles.refresh(JSON.stringify(req.options ?? {}), (skip, signal) =>
        p.client.tiles({ path: req.path, ...(req.extent ? { extent: req.extent } : {}), ...(req.options ? { options: req.options } : {}), skip }, signal)
      );
    } catch {
      /* without them, clicks are answered by the engine */
    }
  }

  /** The next click starts a new run. */
  reset(): void {
    this.runId = null;
    this.features = [];
  }

  async run(points: { x: number; y: number; label: 0 | 1 }[]): Promise<void> {
    const p = this.p;
    const seq = ++this.seq;
    const v = p.view!;
    const clickAt = v.tools.lastClickAt;
    const title = `${points.length} point${points.length > 1 ? 's' : ''}`;
    try {
      const marks = v.tools.points();
      const single = points.length === 1 && marks.length === 1 && points[0].label === 1;
      const accepted = single && v.previewData && v.previewCovers(marks[0].coordinate) ? v.previewData : null;
      const local = !accepted && single ? this.tiles.answer(marks[0].coordinate) : null;
      p.preview.cancel();
      v.setPreview(null);
      let fc: FeatureCollection;
      if (accepted || local) {
        fc = (accepted ?? local)!;
        this.lastSource = accepted ? 'preview' : 'tiles';
      } else {
        p.status.busy(`point prompt (${title})…`);
        // answered from the tiles under the points (not limited to the view)
        const req = p.request({ points });
        delete req.extent;
        fc = await p.client.prompt(req);
        this.lastSource = 'engine';
      }
      if (seq !== this.seq || !p.view) return;
      this.show(fc, title);
      this.lastAnswer = performance.now() - clickAt;
      if (fc.features.length === 0) v.tools.dropLast();
      v.map.once('postrender', () => (this.lastLatency = performance.now() - clickAt));
      v.map.render();
      p.status.idle(fc.features.length ? `${fc.features.length} object(s) selected by ${title}` : `no object under ${title}`);
    } catch (err) {
      if (seq === this.seq) p.view?.tools.dropLast();
      p.status.fail('point prompt failed', err);
    }
  }

  private show(fc: FeatureCollection, title: string): void {
    const p = this.p;
    const v = p.view!;
    if (!p.settings().layerPerRun) {
      // the run's objects in the output layer: replaced as points are added to the run
      if (fc.features.length > 0 || this.features.length > 0) {
        const out = p.outputLayer(fc);
        this.features = out.created ? v.results.features(out.id) : v.results.replaceFeatures(out.id, this.features, fc, `points: ${title}`);
      }
    } else if (this.runId && v.results.has(this.runId)) {
      if (fc.features.length > 0) v.results.replaceRun(this.runId, fc);
    } else if (fc.features.length > 0) {
      this.runId = v.results.addRun(`points: ${title}`, fc);
    }
  }
}
