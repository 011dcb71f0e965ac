// Box and text prompts: one request at a time (Cancel aborts it); the objects go to the output layer
// (or a layer of their own). A text prompt that finds nothing says the best score it saw.
import { Notification } from '@jupyterlab/apputils';
import type { PromptRequest } from '../api/types.js';
import type { MapPanel } from './map-panel.js';

export async function runPrompt(p: MapPanel, kind: string, extra: Partial<PromptRequest>): Promise<void> {
  const v = p.view;
  if (!v || p.job) return;
  const job = (p.job = new AbortController());
  p.status.busy(`${kind} prompt…`, true);
  try {
    const fc = await p.client.prompt(p.request(extra), job.signal);
    const title = kind === 'text' ? `"${extra.text}"` : `${kind} ${v.results.list().length + 1}`;
    p.addResult(title, fc);
    const best = (fc as { best_score?: number }).best_score;
    const none = kind === 'text' && typeof best === 'number' ? `nothing above the threshold (best score ${best.toFixed(3)})` : 'nothing found';
    p.status.idle(fc.features.length ? `${fc.features.length} object(s) from the ${kind} prompt` : `${kind} prompt: ${none}`);
  } catch (err) {
    if (job.signal.aborted) p.status.idle(`${kind} prompt cancelled`);
    else p.status.fail(`${kind} prompt failed`, err);
  } finally {
    p.job = null;
    p.status.hideCancel();
  }
}

export async function runText(p: MapPanel): Promise<void> {
  const text = p.toolbar.textInput.value.trim();
  if (!text) {
    Notification.warning('Type what to look for first, e.g. "building".', { autoClose: 4000 });
    return;
  }
  await runPrompt(p, 'text', { text, threshold: p.toolbar.threshold });
}
