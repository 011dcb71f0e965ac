/**
 * The worker-thread side of a worker session (worker-session.ts): owns one ONNX Runtime session, opened
 * through the gateway (session.ts, still the only importer of onnxruntime-node), and runs it on request.
 * onnxruntime-node's `session.run` blocks its JavaScript thread for the whole run; here that thread is
 * this worker's, so the main thread keeps reading, decoding and vectorizing neighbouring tiles.
 *
 * Protocol (one message at a time is handled; runs are serialized by ONNX Runtime anyway):
 *   → {type: 'open', model, options}        ← {type: 'opened', info} | {type: 'error', id: 0, error}
 *   → {type: 'run', id, feeds, after?}      ← {type: 'result', id, outputs, inputs, candidates?, byCellDone?, kept?} | {type: 'error', id, error}
 *                                            (after / candidates: after-run.ts)
 *   → {type: 'dispose', id}                 ← {type: 'disposed', id}
 *   ← {type: 'warning', message}            (device fallback warnings)
 */
import { parentPort } from 'node:worker_threads';
import { EngineError } from '../errors.js';
import { openSession } from './session.js';
import type { FeedTensor, OnnxSession, OutputTensor, SessionOptions } from './session.js';
import { byCellAfterRun, compactAfterRun, detectionsAfterRun } from './after-run.js';
import type { AfterRun } from './after-run.js';
import type { Candidates } from './decode.js';

export type WorkerRequest =
  | { type: 'open'; model: string | Uint8Array; options: Omit<SessionOptions, 'onWarning'> }
  | { type: 'run'; id: number; feeds: Record<string, FeedTensor>; after?: AfterRun }
  | { type: 'dispose'; id: number };

export type WorkerReply =
  | { type: 'opened'; info: Omit<OnnxSession, 'run' | 'dispose'> }
  | { type: 'result'; id: number; outputs: Record<string, OutputTensor>; inputs?: Record<string, FeedTensor['data']>; candidates?: Candidates; byCellDone?: boolean; afterRunMs?: number; kept?: Record<string, number[]> }
  | { type: 'error'; id: number; error: { code: string; message: string; details?: Record<string, unknown> } }
  | { type: 'disposed'; id: number }
  | { type: 'warning'; message: string };

function errorReply(id: number, err: unknown): WorkerReply {
  if (err instanceof EngineError) return { type: 'error', id, error: err.toJSON() };
  return { type: 'error', id, error: { code: 'INTERNAL', message: (err as Error)?.message ?? String(err) } };
}

const port = parentPort;
if (port) {
  let session: OnnxSession | null = null;
  const post = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  port.on('message', async (m: WorkerRequest) => {
    if (m.type === 'open') {
      try {
        session = await openSession(m.model, { ...m.options, onWarning: (message) => post({ type: 'warning', message }) });
        const { run: _r, dispose: _d, ...info } = session;
        post({ type: 'opened', info });
      } catch (err) {
        post(errorReply(0, err));
      }
    } else if (m.type === 'run') {
      try {
        if (!session) throw new EngineError('INTERNAL', 'worker session: run before open');
        const outputs = await session.run(m.feeds);
        // Asked-for work on the outputs while they are in this thread's cache (after-run.ts); a failure
        // leaves it to the caller, which reports the problem.
        let candidates: Candidates | undefined;
        let byCellDone = false;
        let kept: Record<string, number[]> | undefined;
        const a0 = performance.now();
        try {
          candidates = detectionsAfterRun(outputs, m.after);
          byCellDone = byCellAfterRun(outputs, m.after, candidates);
          kept = compactAfterRun(outputs, m.after, candidates, byCellDone);
        } catch {
          candidates = undefined;
          byCellDone = false;
          kept = undefined;
        }
        const done = { ...(candidates ? { candidates, afterRunMs: performance.now() - a0 } : {}), ...(byCellDone ? { byCellDone } : {}), ...(kept ? { kept } : {}) };
        // Kept outputs stay here (their memory is this thread's to collect).
        for (const name of Object.keys(kept ?? {})) delete outputs[name];
        // Hand the output buffers over without a copy when they are transferable (plain ArrayBuffers),
        // and the inputs' back (moved here for the run: the caller reuses their memory).
        const inputs = Object.fromEntries(Object.entries(m.feeds).map(([k, f]) => [k, f.data]));
        const buffers = (arrays: FeedTensor['data'][]): ArrayBuffer[] => arrays.map((a) => a.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
        const transfer = [...new Set([...buffers(Object.values(outputs).map((o) => o.data)), ...buffers(Object.values(inputs))])];
        try {
          post({ type: 'result', id: m.id, outputs, inputs, ...done }, transfer);
        } catch {
          post({ type: 'result', id: m.id, outputs, ...done });
        }
      } catch (err) {
        post(errorReply(m.id, err));
      }
    } else if (m.type === 'dispose') {
      await session?.dispose().catch(() => {});
      session = null;
      post({ type: 'disposed', id: m.id });
    }
  });
}
