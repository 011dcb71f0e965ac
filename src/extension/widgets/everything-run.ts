// "Everything in view": a segment job for the visible extent. Asks before a job of more than
// `confirmTiles` tiles, shows progress and an ETA, draws the objects of each finished tile as the
// engine publishes them (map/live-layer), and at the end adds the job's objects as a result. A job
// that is cancelled or fails keeps what it drew (its finished tiles are also in the engine's store,
// so running it again continues where it stopped).
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { EngineRequestError } from '../api/client.js';
import type { JobState } from '../api/types.js';
import { engineOptions } from '../tokens.js';
import { formatEta } from './messages.js';
import type { MapPanel } from './map-panel.js';

export async function runEverything(p: MapPanel): Promise<void> {
  const v = p.view;
  const live = p.live;
  if (p.job || !v || !live) return;
  const extent = v.engineExtent();
  const job = (p.job = new AbortController());
  const started = performance.now();
  p.status.busy('segmenting the view…', true);
  const s = p.settings();
  const title = `everything ${v.results.list().length + 1}`;
  let last: JobState | null = null;
  live.clear();
  p.node.dataset.live = '0';
  try {
    const fc = await p.client.runJob(p.path, extent ?? undefined, engineOptions(s), {
      signal: job.signal,
      // asked before the job starts (its tile count from POST /api/jobs/plan)
      confirm: async (state) => {
        if (!s.confirmTiles || state.total <= s.confirmTiles) return true;
        const r = await showDialog({
          title: 'A long job',
          body: `Everything in view runs the model on ${state.total} tiles (more than ${s.confirmTiles}). Zoom in for fewer. Start it?`,
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Start' })]
        });
        return r.button.accept;
      },
      onProgress: (st) => {
        last = p.lastJob = st;
        const eta = formatEta(started, st.done, st.total);
        const drawn = live.count ? ` · ${live.count} object(s) so far` : '';
        p.status.showProgress(st.done, st.total, `segmenting the view: ${st.done}/${st.total} tiles${eta}${drawn}`);
      },
      onPartial: (part) => {
        live.add(part);
        p.node.dataset.live = String(live.count);
      }
    });
    live.clear();
    p.addResult(title, fc);
    const e = v.viewExtent();
    const r = v.rasterExtent ?? e;
    p.preview.segmented.push([Math.max(e[0], r[0]), Math.max(e[1], r[1]), Math.min(e[2], r[2]), Math.min(e[3], r[3])]);
    p.status.idle(`${fc.features.length} object(s) found in view`);
  } catch (err) {
    const kept = live.collection();
    live.clear();
    const st = last as JobState | null;
    const tiles = st ? `${st.done}/${st.total} tiles` : 'no tiles';
    if (kept.features.length > 0) p.addResult(`${title} (${tiles})`, kept);
    const keptText = kept.features.length > 0 ? `: kept the ${kept.features.length} object(s) drawn (${tiles})` : '';
    if ((err as EngineRequestError).code === 'DECLINED') p.status.idle('job not started');
    else if (job.signal.aborted || (err as EngineRequestError).code === 'CANCELLED') p.status.idle(`job cancelled${keptText}`);
    else p.status.fail(`segmenting the view failed${keptText}`, err);
  } finally {
    p.job = null;
    p.status.hideCancel();
    delete p.node.dataset.live;
    // the finished tiles answer point prompts in the browser from now on
    void p.points.refreshTiles();
  }
}
