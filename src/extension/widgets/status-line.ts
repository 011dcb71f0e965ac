// The map's status line: a progress bar, Cancel, and the last message (full text in its tooltip).
// `busy`/`idle` also mark the panel (data-busy) for the UI tests and styles; failures become
// notifications carrying the engine's message and advice (messages.ts).
import { EngineRequestError } from '../api/client.js';
import { button, el } from './dom.js';
import { adviceFor, notifyError } from './messages.js';

export class StatusLine {
  readonly node = el('div', { class: 'jp-FastSamGeo-status' });
  private readonly progress = el('progress', { class: 'jp-FastSamGeo-progress', max: '1', value: '0' });
  readonly message = el('span', { class: 'jp-FastSamGeo-message' });
  private readonly cancelButton: HTMLButtonElement;

  constructor(
    private readonly panel: HTMLElement,
    cancel: () => void
  ) {
    this.cancelButton = button('Cancel', 'Cancel the running job', 'cancel', cancel);
    this.cancelButton.style.display = 'none';
    this.node.append(this.progress, this.cancelButton, this.message);
    this.progress.hidden = true;
  }

  /** A job's progress. */
  showProgress(done: number, total: number, text: string): void {
    this.progress.max = Math.max(1, total);
    this.progress.value = done;
    this.message.textContent = text;
  }

  hideCancel(): void {
    this.cancelButton.style.display = 'none';
  }

  busy(text: string, cancellable = false): void {
    this.panel.dataset.busy = 'true';
    this.message.textContent = text;
    this.progress.hidden = !cancellable;
    this.progress.removeAttribute('value');
    this.cancelButton.style.display = cancellable ? '' : 'none';
  }

  idle(text: string): void {
    delete this.panel.dataset.busy;
    this.progress.hidden = true;
    this.message.textContent = text;
  }

  note(text: string): void {
    this.message.textContent = text;
  }

  fail(what: string, err: unknown): void {
    delete this.panel.dataset.busy;
    this.progress.hidden = true;
    const message = adviceFor(err instanceof Error ? err.message : String(err));
    this.message.textContent = `${what}: ${message}`;
    this.message.title = this.message.textContent;
    notifyError(what, message, err instanceof EngineRequestError ? err.code : null);
  }
}
