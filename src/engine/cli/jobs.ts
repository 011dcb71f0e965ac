/** `fastsam-geo jobs status|wait|cancel ID --queue redis://...`: follow or stop a queued extraction. */
import { parseCommand, usageError, type Command } from './command.js';
import { progressBar } from './progress.js';
import type { QueuedStatus } from '../queue/client.js';

const HELP = `usage: fastsam-geo jobs status|wait|cancel ID --queue redis://HOST:PORT

  status   one line: state (tiles, merging, done, failed, cancelled), tiles done/total
  wait     a progress bar until the job ends; exit 0 when done, 1 when failed or cancelled
  cancel   removes the job's pending tiles; tiles in progress finish into the result store
`;

export function describeStatus(s: QueuedStatus): string {
  const parts = [`${s.id}: ${s.state}`, `${s.done}/${s.total} tiles`];
  if (s.result) parts.push(`${s.result.buildings} buildings${s.result.output ? ` → ${s.result.output}` : ''}`);
  if (s.error) parts.push(s.error);
  return parts.join(', ');
}

export const command: Command = {
  summary: 'status, wait for or cancel a queued extraction',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, HELP, { queue: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } }, true);
    if (!parsed) return 0;
    const { values: v, positionals } = parsed;
    const [action, id] = positionals;
    if (!['status', 'wait', 'cancel'].includes(action) || !id || positionals.length !== 2) throw usageError(`expected status|wait|cancel ID, got ${JSON.stringify(positionals.join(' '))}`, HELP);
    if (!v.queue) throw usageError('--queue: got nothing, expected redis://HOST:PORT', HELP);
    const { openQueueClient } = await import('../queue/client.js');
    const q = await openQueueClient(v.queue);
    try {
      if (action === 'status') {
        process.stdout.write(describeStatus(await q.status(id)) + '\n');
        return 0;
      }
      if (action === 'cancel') {
        process.stdout.write(describeStatus(await q.cancel(id)) + '\n');
        return 0;
      }
      return await waitWithBar(q, id, Boolean(v.quiet));
    } finally {
      await q.close();
    }
  },
};

/** The submitting CLI's progress: the same bar as a local extract; Ctrl-C cancels the job when `cancelOnInterrupt`. */
export async function waitWithBar(q: import('../queue/client.js').QueueClient, id: string, quiet: boolean, cancelOnInterrupt = false): Promise<number> {
  const bar = quiet ? null : progressBar(process.stderr);
  const ac = new AbortController();
  const onSigint = (): void => {
    process.stderr.write(cancelOnInterrupt ? `\ninterrupted: cancelling ${id}\n` : `\nstopped waiting; the job goes on (fastsam-geo jobs wait ${id})\n`);
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const s = await q.wait(id, { signal: ac.signal, onProgress: (st) => bar?.update(st.done, st.total) });
    bar?.finish();
    if (!quiet) process.stderr.write(describeStatus(s) + '\n');
    return s.state === 'done' ? 0 : 1;
  } catch (err) {
    bar?.finish();
    if (ac.signal.aborted) {
      if (cancelOnInterrupt) await q.cancel(id).catch(() => {});
      return 130;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
