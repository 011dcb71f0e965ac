/** `fastsam-geo cache [list] | cache clear [RASTER]`: the per-tile result store (resume, queue workers). */
import { resultsDir } from '../config.js';
import { EngineError } from '../errors.js';
import { clearStore, storeUsage } from '../cache/result-store.js';
import { parseCommand, usageError, type Command } from './command.js';

const HELP = `usage: fastsam-geo cache [list] [--json]
       fastsam-geo cache clear [RASTER]

The per-tile result store that lets a rerun resume and that queue workers share:
$FASTSAM_GEO_RESULTS, else <cache>/results ($FASTSAM_GEO_CACHE or ~/.cache/fastsam-geo/cache).
  list           size, tiles and finished rows per raster, largest first (the default)
  clear          removes every stored tile
  clear RASTER   removes the tiles of one raster (its path or URL as given to extract, or its key)
`;

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export const command: Command = {
  summary: 'sizes per raster of the per-tile result store; clear all or one raster',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, HELP, { json: { type: 'boolean' } }, true);
    if (!parsed) return 0;
    const { values: v, positionals } = parsed;
    const [action = 'list', ...rest] = positionals;
    const root = resultsDir();
    if (action === 'list' && rest.length === 0) {
      const usage = await storeUsage(root);
      if (v.json) {
        process.stdout.write(JSON.stringify({ root, rasters: usage }, null, 2) + '\n');
        return 0;
      }
      const total = usage.reduce((a, u) => a + u.bytes, 0);
      process.stdout.write(`${root}: ${humanBytes(total)} in ${usage.reduce((a, u) => a + u.tiles, 0)} tiles\n`);
      for (const u of usage) {
        process.stdout.write(`${humanBytes(u.bytes).padStart(10)}  ${String(u.tiles).padStart(7)} tiles ${String(u.rows).padStart(5)} rows  ${u.lastUsed?.toISOString().slice(0, 19) ?? ''}  ${u.source}  (${u.key})\n`);
      }
      return 0;
    }
    if (action === 'clear' && rest.length <= 1) {
      const r = await clearStore(root, rest[0]);
      if (rest[0] !== undefined && r.tiles === 0) throw new EngineError('NOT_FOUND', `no stored tiles for ${rest[0]} in ${root} (fastsam-geo cache lists them)`);
      process.stdout.write(`removed ${r.tiles} tiles (${humanBytes(r.bytes)})${rest[0] ? ` of ${rest[0]}` : ''}\n`);
      return 0;
    }
    throw usageError(`expected list | clear [RASTER], got ${JSON.stringify(positionals.join(' '))}`, HELP);
  },
};
