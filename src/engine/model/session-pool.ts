/**
 * Several sessions of one model as one OnnxSession: each run goes to the member with the fewest runs in
 * flight (ties: the first), so a stream of tiles with two runs in flight (pipeline/tile-stages) keeps two
 * sessions busy at once. On a small machine two 1-thread sessions on two tiles can out-run one 2-thread
 * session on one tile (ONNX Runtime scales < 2× from 1 to 2 threads); on one tile they are slower, so a
 * pool is for many-tile rasters only. See BENCHMARKS.md.
 */
import { EngineError } from '../errors.js';
import type { OnnxSession } from './session.js';

export function poolSessions(members: OnnxSession[]): OnnxSession {
  if (members.length === 0) throw new EngineError('INTERNAL', 'session pool: no sessions');
  const busy = members.map(() => 0);
  const first = members[0];
  return {
    ...first,
    intraOpThreads: members.reduce((a, m) => a + m.intraOpThreads, 0),
    async run(feeds, signal) {
      let k = 0;
      for (let i = 1; i < members.length; i++) if (busy[i] < busy[k]) k = i;
      busy[k]++;
      try {
        return await members[k].run(feeds, signal);
      } finally {
        busy[k]--;
      }
    },
    async dispose() {
      await Promise.all(members.map((m) => m.dispose()));
    },
  };
}
