/**
 * A generic job manager: runs async tasks one (or `concurrency`) at a time, each with its own
 * AbortSignal and a progress callback; jobs are pollable (snapshot) and observable (events for
 * server-sent events). Finished jobs are kept (with their results) up to `keep` jobs, oldest evicted.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { EngineError, asEngineError, type ErrorCode } from '../errors.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobSnapshot {
  id: string;
  status: JobStatus;
  done: number;
  total: number;
  error?: { code: ErrorCode; message: string };
}

export type JobEvent =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; snapshot: JobSnapshot }
  | { type: 'error'; code: ErrorCode; message: string };

export interface JobContext {
  signal: AbortSignal;
  /** Report progress: `done` of `total` units (tiles). */
  progress(done: number, total: number): void;
  /** Publish partial results as they are ready (e.g. a finished tile's features), read with `Job.partialSince`. */
  publish?(items: readonly unknown[]): void;
}

/** Partial results kept per job (beyond it a job publishes no more; its final result is whole). */
export const MAX_PARTIAL = 200_000;

export type JobTask<T> = (ctx: JobContext) => Promise<T>;

export interface JobManagerOptions {
  /** Jobs run at the same time (default 1: a model run already uses every core). */
  concurrency?: number;
  /** Finished jobs kept for polling and results (default 50). */
  keep?: number;
}

export class Job<T = unknown> {
  readonly id = randomUUID();
  status: JobStatus = 'queued';
  done = 0;
  total: number;
  error?: { code: ErrorCode; message: string };
  result?: T;
  /** Partial results published so far (a running job's finished tiles; kept when it is cancelled). */
  readonly partial: unknown[] = [];
  /** Whether publishing stopped at MAX_PARTIAL. */
  partialTruncated = false;
  readonly createdAt = Date.now();
  readonly events = new EventEmitter();
  readonly controller = new AbortController();
  finished: Promise<void>;
  /** @internal settles when the task itself has returned (after a cancel too). */
  running: Promise<void> = Promise.resolve();
  private resolveFinished!: () => void;

  constructor(readonly task: JobTask<T>, total: number, readonly meta: Record<string, unknown>) {
    this.total = total;
    this.finished = new Promise((r) => { this.resolveFinished = r; });
    this.events.setMaxListeners(100);
  }

  get terminal(): boolean {
    return this.status === 'done' || this.status === 'failed' || this.status === 'cancelled';
  }

  snapshot(): JobSnapshot {
    return {
      id: this.id,
      status: this.status,
      done: this.done,
      total: this.total,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  /** Partial results from index `since` on, and the index to ask from next time. */
  partialSince(since: number): { items: unknown[]; next: number; truncated: boolean } {
    const from = Math.max(0, Math.min(since, this.partial.length));
    return { items: this.partial.slice(from), next: this.partial.length, truncated: this.partialTruncated };
  }

  /** @internal */
  finish(status: 'done' | 'failed' | 'cancelled', error?: { code: ErrorCode; message: string }): void {
    if (this.terminal) return;
    this.status = status;
    if (error) this.error = error;
    if (status === 'done') this.emit({ type: 'done', snapshot: this.snapshot() });
    else this.emit({ type: 'error', code: error?.code ?? 'INTERNAL', message: error?.message ?? status });
    this.resolveFinished();
  }

  /** @internal */
  emit(ev: JobEvent): void {
    this.events.emit('event', ev);
  }
}

export class JobManager {
  private readonly jobs = new Map<string, Job<any>>();
  private readonly queue: Job<any>[] = [];
  private running = 0;
  private readonly concurrency: number;
  private readonly keep: number;

  constructor(options: JobManagerOptions = {}) {
    this.concurrency = options.concurrency ?? 1;
    this.keep = options.keep ?? 50;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new EngineError('BAD_INPUT', `concurrency: got ${options.concurrency}, expected an integer ≥ 1`);
    }
  }

  /** Queues a task; returns its job at once. */
  submit<T>(task: JobTask<T>, options: { total?: number; meta?: Record<string, unknown> } = {}): Job<T> {
    const job = new Job<T>(task, options.total ?? 0, options.meta ?? {});
    this.jobs.set(job.id, job);
    this.queue.push(job);
    this.evict();
    this.pump();
    return job;
  }

  get(id: string): Job<any> {
    const job = this.jobs.get(id);
    if (!job) throw new EngineError('NOT_FOUND', `no job '${id}' (finished jobs are kept for the last ${this.keep})`);
    return job;
  }

  list(): Job<any>[] {
    return [...this.jobs.values()];
  }

  /** Cancels a queued or running job (its signal aborts); a finished job is left as it is. */
  cancel(id: string): Job<any> {
    const job = this.get(id);
    if (job.terminal) return job;
    const idx = this.queue.indexOf(job);
    if (idx >= 0) this.queue.splice(idx, 1);
    job.controller.abort(new EngineError('ABORTED', 'cancelled'));
    job.finish('cancelled', { code: 'ABORTED', message: 'cancelled' });
    return job;
  }

  /** Cancels everything and waits for running tasks to settle. */
  async close(): Promise<void> {
    const live = this.list().filter((j) => !j.terminal);
    for (const j of live) this.cancel(j.id);
    await Promise.all(live.map((j) => j.running));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      job.running = this.run(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(job: Job<any>): Promise<void> {
    job.status = 'running';
    job.emit({ type: 'progress', done: job.done, total: job.total });
    const ctx: JobContext = {
      signal: job.controller.signal,
      progress: (done, total) => {
        if (job.terminal) return;
        job.done = done;
        job.total = total;
        job.emit({ type: 'progress', done, total });
      },
      publish: (items) => {
        if (job.terminal) return;
        if (job.partial.length + items.length > MAX_PARTIAL) {
          job.partialTruncated = true;
          return;
        }
        for (const x of items) job.partial.push(x);
      },
    };
    try {
      const result = await job.task(ctx);
      if (job.terminal) return; // cancelled while finishing
      job.result = result;
      job.finish('done');
    } catch (err) {
      if (job.terminal) return;
      const e = asEngineError(err);
      if (e.code === 'ABORTED' || job.controller.signal.aborted) job.finish('cancelled', { code: 'ABORTED', message: e.message });
      else job.finish('failed', { code: e.code, message: e.message });
    }
  }

  private evict(): void {
    const finished = this.list().filter((j) => j.terminal);
    let excess = this.jobs.size - this.keep;
    for (const j of finished) {
      if (excess <= 0) break;
      this.jobs.delete(j.id);
      excess--;
    }
  }
}
