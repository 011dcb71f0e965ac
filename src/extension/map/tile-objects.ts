// Point prompts answered in the browser: the objects of the finished tiles under the view (POST
// /api/tiles — tiles a job segmented in this session or an earlier one, kept in the engine's tile
// cache and result store), fetched once per tile. A click is answered with the engine's own rule
// (prompts/prompt-tiles + points): the tiles under the point, the one it lies deepest in first; in a
// tile, the smallest object containing the point (ties: higher score). No request, no model run: the
// polygon is drawn in the same frame. Where no held tile has an object under the point, the engine is asked.
import type Feature from 'ol/Feature.js';
import { containsCoordinate, type Extent } from 'ol/extent.js';
import type { FeatureCollection, GeoJsonFeature, TileObjects as TileObjectsBody } from '../api/types.js';

interface HeldTile {
  extent: Extent;
  objects: { ol: Feature; geo: GeoJsonFeature; pixels: number; score: number }[];
}

export type TileLoader = (skip: number[], signal?: AbortSignal) => Promise<TileObjectsBody>;

export class TileObjects {
  private readonly held = new Map<number, HeldTile>();
  private key = '';
  private loading: Promise<number> | null = null;
  /** Requests sent (test hook). */
  requests = 0;

  constructor(private readonly read: (fc: FeatureCollection) => Feature[]) {}

  /** Tiles held. */
  get size(): number {
    return this.held.size;
  }

  /**
   * Fetches the finished tiles not held yet (`key`: the segmentation options; other options are
   * other tiles, so the held ones are dropped). Returns how many tiles were added.
   */
  refresh(key: string, load: TileLoader, signal?: AbortSignal): Promise<number> {
    if (key !== this.key) {
      this.held.clear();
      this.key = key;
    }
    if (this.loading) return this.loading.then(() => this.refresh(key, load, signal));
    this.loading = this.fetch(load, signal).finally(() => (this.loading = null));
    return this.loading;
  }

  private async fetch(load: TileLoader, signal?: AbortSignal): Promise<number> {
    let added = 0;
    for (let round = 0; round < 50; round++) {
      this.requests++;
      const r = await load([...this.held.keys()], signal);
      const windows = this.read(r.tiles);
      const objects = this.read(r.objects);
      windows.forEach((w) => {
        const geom = w.getGeometry();
        if (geom) this.held.set(w.get('tile') as number, { extent: geom.getExtent(), objects: [] });
      });
      objects.forEach((ol, i) => {
        const t = this.held.get(ol.get('tile') as number);
        if (t) t.objects.push({ ol, geo: r.objects.features[i], pixels: Number(ol.get('pixels')) || Infinity, score: Number(ol.get('score')) || 0 });
      });
      added += windows.length;
      if (!r.more || windows.length === 0) break;
    }
    return added;
  }

  /**
   * The object a foreground click at view coordinate `c` selects, as GeoJSON (prompt "point"), or
   * null when no held tile has one there (the engine answers then).
   */
  answer(c: number[]): FeatureCollection | null {
    const depth = (e: Extent) => Math.min(c[0] - e[0], e[2] - c[0], c[1] - e[1], e[3] - c[1]);
    const under = [...this.held.values()].filter((t) => containsCoordinate(t.extent, c)).sort((a, b) => depth(b.extent) - depth(a.extent));
    for (const t of under) {
      let best: HeldTile['objects'][number] | null = null;
      for (const o of t.objects) {
        const g = o.ol.getGeometry();
        if (!g || !containsCoordinate(g.getExtent(), c) || !g.intersectsCoordinate(c)) continue;
        if (!best || o.pixels < best.pixels || (o.pixels === best.pixels && o.score > best.score)) best = o;
      }
      if (best) {
        const f = best.geo;
        return { type: 'FeatureCollection', features: [{ ...f, id: 1, properties: { ...(f.properties ?? {}), id: 1, prompt: 'point' } }] };
      }
    }
    return null;
  }

  clear(): void {
    this.held.clear();
  }
}
