/**
 * Streams a job's progress as server-sent events on a raw Node response:
 * `event: progress` data {done,total}; then `event: done` data {id,status,done,total}, or
 * `event: error` data {code,message} (a failed or cancelled job). A comment line every
 * `heartbeatMs` keeps proxies from closing an idle stream. The stream ends after the final event.
 */
import type { ServerResponse } from 'node:http';
import type { Job, JobEvent } from './jobs.js';

function write(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function streamJobEvents(job: Job<unknown>, res: ServerResponse, options: { heartbeatMs?: number } = {}): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const finalEvent = (): void => {
    const s = job.snapshot();
    if (s.status === 'done') write(res, 'done', s);
    else write(res, 'error', s.error ?? { code: 'INTERNAL', message: s.status });
    res.end();
  };
  write(res, 'progress', { done: job.done, total: job.total });
  if (job.terminal) {
    finalEvent();
    return;
  }
  const onEvent = (ev: JobEvent): void => {
    if (ev.type === 'progress') {
      write(res, 'progress', { done: ev.done, total: ev.total });
      return;
    }
    cleanup();
    finalEvent();
  };
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? 15000);
  heartbeat.unref();
  const cleanup = (): void => {
    clearInterval(heartbeat);
    job.events.off('event', onEvent);
  };
  job.events.on('event', onEvent);
  res.on('close', cleanup);
}
