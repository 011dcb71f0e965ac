/**
 * Threads of this process as the kernel counts them (/proc/self/status), the outside witness of the worker
 * threads and ONNX Runtime's pool threads the engine starts and ends.
 *
 * A joined thread can still be counted for a moment: pthread_join returns when the exiting thread clears its
 * tid (early in the kernel's do_exit), and the count drops only when the kernel releases the task, later. On a
 * loaded machine that gap is not bounded by any fixed time, so a test that expects the count to fall waits
 * for it (`threadsSettle`), polling, up to a deadline only a hung thread would reach.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const osThreads = (): number => Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

/** Waits until the thread count satisfies `ok`; returns it, or the last count once `deadlineMs` passed. */
export async function threadsSettle(ok: (count: number) => boolean, deadlineMs = 20_000): Promise<number> {
  const end = Date.now() + deadlineMs;
  let n = osThreads();
  while (!ok(n) && Date.now() < end) {
    await sleep(5);
    n = osThreads();
  }
  return n;
}
