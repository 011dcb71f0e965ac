/**
 * An OnnxSession whose ONNX Runtime session lives in a worker thread (session-worker.ts), so that a
 * model run does not block the JavaScript thread that reads, decodes and vectorizes tiles.
 *
 *   const s = await openWorkerSession('FastSAM-s.onnx', {device: 'cpu'});   // same options as openSession
 *   const out = await s.run({images: {data, dims}});                          // same results
 *   await s.dispose();                                                        // ends the worker
 *
 * Feeds are copied to the worker (structured clone; the caller may reuse its arrays) unless marked
 * `transfer: true` (moved for the run, then moved back into the feed's `data`); outputs come back transferred. Errors keep their EngineError code. The worker does not keep the process alive while idle.
 */
import { Worker } from 'node:worker_threads';
import { EngineError, throwIfAborted } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { FeedTensor, OnnxSession, OutputTensor, SessionOptions } from './session.js';
import type { WorkerReply, WorkerRequest } from './session-worker.js';
import type { AfterRun } from './after-run.js';

const WORKER_URL = new URL('./session-worker.js', import.meta.url);

function toError(e: { code: string; message: string; details?: Record<string, unknown> }): EngineError {
  return new EngineError(e.code as ErrorCode, e.message, e.details);
}

export async function openWorkerSession(model: string | Uint8Array, options: SessionOptions = {}): Promise<OnnxSession> {
  const { onWarning, ...rest } = options;
  const warn = onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const worker = new Worker(WORKER_URL);
  const pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;
  let refs = 0;
  const hold = (d: number): void => {
    refs += d;
    if (refs > 0) worker.ref();
    else worker.unref();
  };
  let opened: ((r: WorkerReply) => void) | null = null;
  let openFailed: ((e: Error) => void) | null = null;
  worker.on('message', (m: WorkerReply) => {
    if (m.type === 'warning') return warn(m.message);
    if (m.type === 'opened' || (m.type === 'error' && m.id === 0)) return opened?.(m);
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    hold(-1);
    p.resolve(m);
  });
  const fail = (err: Error): void => {
    dead = err;
    openFailed?.(err);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', (err) => fail(new EngineError('INTERNAL', `inference worker failed: ${err.message}`)));
  worker.on('exit', (code) => fail(new EngineError('INTERNAL', `inference worker exited (code ${code})`)));

  const send = (m: WorkerRequest): void => {
    const transfer = m.type === 'run'
      ? Object.values(m.feeds).filter((f) => f.transfer && f.data.buffer instanceof ArrayBuffer && f.data.byteLength === f.data.buffer.byteLength).map((f) => f.data.buffer as ArrayBuffer)
      : [];
    worker.postMessage(m, transfer);
  };
  const reply = await new Promise<WorkerReply>((resolve, reject) => {
    opened = resolve;
    openFailed = reject;
    send({ type: 'open', model, options: rest });
  });
  opened = null;
  openFailed = null;
  if (reply.type !== 'opened') {
    await worker.terminate();
    throw reply.type === 'error' ? toError(reply.error) : new EngineError('INTERNAL', 'inference worker: unexpected reply');
  }
  worker.unref();

  const request = (m: Omit<Extract<WorkerRequest, { id: number }>, 'id'> & { type: 'run' | 'dispose' }, extra?: Record<string, unknown>): Promise<WorkerReply> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      hold(1);
      send({ ...m, ...extra, id } as WorkerRequest);
    });
  };

  let disposed = false;
  const info = reply.info;
  return {
    ...info,
    async run(feeds: Record<string, FeedTensor>, signal?: AbortSignal, after?: AfterRun): Promise<Record<string, OutputTensor>> {
      throwIfAborted(signal);
      if (disposed) throw new EngineError('INTERNAL', `session for ${info.name} was disposed`);
      const r = await request({ type: 'run' }, { feeds, ...(after?.detections ? { after: { detections: after.detections, ...(after.byCell ? { byCell: after.byCell } : {}), ...(after.compact ? { compact: true } : {}) } } : {}) });
      throwIfAborted(signal);
      if (r.type === 'error') throw toError(r.error);
      if (r.type !== 'result') throw new EngineError('INTERNAL', 'inference worker: unexpected reply');
      // Moved inputs come back: the caller's feed holds its memory again (for reuse, e.g. the next tile's input).
      for (const [name, data] of Object.entries(r.inputs ?? {})) if (feeds[name]?.transfer) feeds[name].data = data;
      if (after && r.candidates) after.candidates = r.candidates;
      if (after && r.afterRunMs !== undefined) after.ms = r.afterRunMs;
      if (after && r.byCellDone) after.byCellDone = true;
      if (after && r.kept) after.kept = r.kept;
      return r.outputs;
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      if (!dead) await request({ type: 'dispose' }).catch(() => {});
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
