/** Latency statistics for the prompt benchmarks. */
export interface LatencyStats {
  median: number;
  p95: number;
  min: number;
  runs: number;
}

export function stats(samples: number[]): LatencyStats {
  const s = samples.slice().sort((a, b) => a - b);
  return {
    median: s[Math.floor(s.length / 2)],
    p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))],
    min: s[0],
    runs: s.length,
  };
}

