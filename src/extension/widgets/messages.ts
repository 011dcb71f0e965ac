// Texts the map shows: engine advice rewritten for JupyterLab users, job ETA.
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';

/**
 * Engine messages speak to CLI users (`--model PATH`); in JupyterLab the same setting is the server
 * configuration, so the advice names that instead.
 */
export function adviceFor(message: string): string {
  let m = message;
  const flags: [RegExp, string][] = [
    [/--model\b(\s+\S+)?/g, 'c.FastSamGeo.model = "PATH" in jupyter_server_config.py'],
    [/--clip-vision\b(\s+\S+)?/g, 'c.FastSamGeo.clip_vision = "PATH"'],
    [/--clip-text\b(\s+\S+)?/g, 'c.FastSamGeo.clip_text = "PATH"'],
    [/--device\b(\s+\S+)?/g, 'c.FastSamGeo.device = "..."']
  ];
  let touched = false;
  for (const [re, text] of flags) {
    if (re.test(m)) {
      touched = true;
      m = m.replace(re, text);
    }
  }
  if (touched && !/restart/i.test(m)) m += ' (then restart Jupyter)';
  return m;
}

/** " · about 1 min 20 s left" from the start time and progress, or '' until there is a rate. */
export function formatEta(startedMs: number, done: number, total: number): string {
  if (done <= 0 || total <= done) return '';
  const perTile = (performance.now() - startedMs) / done;
  const left = Math.round(((total - done) * perTile) / 1000);
  if (left < 1) return '';
  const text = left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s` : `${left} s`;
  return ` · about ${text} left`;
}

/**
 * An error toast. JupyterLab cuts toasts at 140 characters: a longer message keeps its start and
 * its code and offers the whole text under "Details".
 */
export function notifyError(what: string, message: string, code: string | null): void {
  const tag = code ? ` [${code}]` : '';
  const full = `FastSAM: ${what}: ${message}${tag}`;
  if (full.length <= 140) {
    Notification.error(full, { autoClose: 10000 });
    return;
  }
  const room = Math.max(20, 128 - what.length - tag.length);
  Notification.error(`FastSAM: ${what}: ${message.slice(0, room)}…${tag}`.slice(0, 140), {
    autoClose: 15000,
    actions: [{ label: 'Details', callback: () => void showDialog({ title: `FastSAM: ${what}`, body: message + tag, buttons: [Dialog.okButton()] }) }]
  });
}

let basemapWarned = false;

/** Basemap tiles cannot be loaded: said on the status line, and once per session as a notification. */
export function warnBasemap(note: (text: string) => void): void {
  note('basemap tiles cannot be loaded (offline?): the map works without them');
  if (basemapWarned) return;
  basemapWarned = true;
  Notification.warning('FastSAM: the basemap tiles cannot be loaded (offline?); the map works without them.', { autoClose: 6000 });
}
