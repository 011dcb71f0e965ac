/**
 * A SegModel whose session answers repeated inputs from memory: the first run of a tile's input tensor
 * goes to the real session, later runs of the same tensor (same tile, same resolution) replay the raw
 * outputs, so a threshold sweep decodes, merges and vectorizes again without running the model again,
 * and gives exactly what a fresh `extract` at that threshold gives. Keyed by a SHA-1 of the input.
 */
import { createHash } from 'node:crypto';
import type { SegModel } from '../model/segmodel.js';
import type { OutputTensor } from '../model/session.js';
import type { AfterRun } from '../model/after-run.js';

export interface ReplayModel {
  model: SegModel;
  /** Real model runs so far. */
  readonly runs: number;
  /** Runs answered from memory. */
  readonly replays: number;
  /** Drops the stored outputs (e.g. before another resolution). */
  clear(): void;
}

export function replayModel(inner: SegModel): ReplayModel {
  const store = new Map<string, Record<string, OutputTensor>>();
  let runs = 0;
  let replays = 0;
  const session = {
    ...inner.session,
    async run(feeds: Parameters<SegModel['session']['run']>[0], signal?: AbortSignal, after?: AfterRun) {
      const h = createHash('sha1');
      for (const [name, t] of Object.entries(feeds)) {
        h.update(`${name}:${t.dims.join('x')}:`);
        const d = t.data as ArrayBufferView;
        h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      }
      const key = h.digest('hex');
      const hit = store.get(key);
      if (hit) {
        replays++;
        return hit;
      }
      // (A replay leaves `after` unset: the decode then filters the replayed outputs with its own thresholds.
      // So the outputs themselves are stored: the session may not keep any, after-run.ts `compact`.)
      if (after) after.compact = false;
      const out = await inner.session.run(feeds, signal, after);
      runs++;
      store.set(key, out);
      return out;
    },
    dispose: () => inner.session.dispose(),
  };
  return {
    model: { ...inner, session },
    get runs() {
      return runs;
    },
    get replays() {
      return replays;
    },
    clear: () => store.clear(),
  };
}
