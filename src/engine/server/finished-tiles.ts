/**
 * The tiles of a queued job as the workers finish them: queue workers put each finished tile into the
 * shared result store (cache/result-store: one file per tile window, written whole by rename), so the
 * server lists the store's directory on each progress tick and hands every newly present tile of the
 * job's area to `onTile` once (GET /api/jobs/:id/partial draws queued jobs tile by tile, like local ones).
 * One readdir per tick; a tile's record is read only when its file appears.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DirTileStore } from '../cache/result-store.js';
import type { Tile } from '../raster/tiling.js';
import type { SegmentResult } from '../types.js';

export interface FinishedTiles {
  /** Starts a scan unless one is running (call on each progress tick). */
  poke(): void;
  /** Waits for the running scan, then scans once more (call when the job ends). */
  flush(): Promise<void>;
}

export function watchFinishedTiles(store: DirTileStore, area: readonly Tile[], onTile: (tile: Tile, r: SegmentResult) => void): FinishedTiles {
  const pending = new Map(area.map((t) => [path.basename(store.file(t.window)), t]));
  const dir = area.length ? path.dirname(store.file(area[0].window)) : '';
  let running: Promise<void> | null = null;
  const scan = async (): Promise<void> => {
    if (pending.size === 0) return;
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return; // no tile finished yet: the directory is made with the first one
    }
    for (const name of names) {
      const t = pending.get(name);
      if (!t) continue;
      const r = await store.get(t).catch(() => null);
      if (!r) continue; // unreadable record: the final merge reports it
      pending.delete(name);
      onTile(t, r);
    }
  };
  return {
    poke() {
      if (!running) running = scan().finally(() => (running = null));
    },
    async flush() {
      await running;
      await scan();
    },
  };
}
