// Hover preview (Geo-SAM's preview mode): in point mode, the candidate under the cursor is drawn
// dashed by the map; a click on it accepts it (point-run.ts). It comes from the finished tiles' objects
// the map holds (map/tile-objects: at once, no request), else — over an area *Everything in view*
// segmented in this session — from the engine (debounced; it answers from its cached tiles).
import type { FeatureCollection, PromptRequest } from '../api/types.js';
import type { MapView } from '../map/map-view.js';

export class HoverPreview {
  /** View extents already segmented by Everything in view. */
  readonly segmented: number[][] = [];
  /** Preview prompts sent (test hook). */
  requests = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inflight: AbortController | null = null;

  /** `prompt`: a point prompt without the view extent (the map panel fills in path, CRS and options). */
  /** Off: no preview is drawn (the UI tests measure clicks without it). */
  enabled = true;

  constructor(
    private readonly prompt: (req: Partial<PromptRequest> & { extent?: undefined }, signal: AbortSignal) => Promise<FeatureCollection>,
    private readonly local: (c: number[]) => FeatureCollection | null = () => null,
    private readonly delayMs = 80
  ) {}

  hover(v: MapView, c: number[] | null): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.enabled) return;
    if (c && v.tools.points().length === 0) {
      const fc = this.local(c);
      if (fc) {
        if (!v.previewCovers(c)) v.setPreview(fc);
        return;
      }
    }
    const onSegmented = c !== null && this.segmented.some((e) => c[0] >= e[0] && c[0] <= e[2] && c[1] >= e[1] && c[1] <= e[3]);
    if (!c || !onSegmented || v.tools.points().length > 0) {
      if (!c) v.setPreview(null);
      return;
    }
    if (v.previewCovers(c)) return;
    this.timer = setTimeout(async () => {
      this.inflight?.abort();
      const ctl = (this.inflight = new AbortController());
      const [x, y] = v.toEngine(c);
      this.requests++;
      try {
        const fc = await this.prompt({ points: [{ x, y, label: 1 }], extent: undefined }, ctl.signal);
        if (!ctl.signal.aborted && v.tools.current === 'point' && v.tools.points().length === 0) v.setPreview(fc);
      } catch {
        /* a preview that fails is just not shown */
      }
    }, this.delayMs);
  }

  /** Stops a pending or running preview request (a click is being answered). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.inflight?.abort();
  }
}
