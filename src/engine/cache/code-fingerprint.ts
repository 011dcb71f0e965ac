/**
 * A fingerprint of the engine code that turns tile results into features (vectorize, geo, export,
 * pipeline, ... : every compiled module but the CLI, server, bench and test helpers). Finished rows
 * are stored under it, so an upgraded or rebuilt engine never replays output that its own code would
 * not produce; raw tile records do not depend on it and stay.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP = new Set(['bench', 'testing', 'cli', 'server', 'evaluate']);
let memo: string | null | undefined;

/** sha256 (hex) of the engine's modules, or null when they cannot be read (then nothing is replayed). */
export function codeFingerprint(): string | null {
  if (memo !== undefined) return memo;
  try {
    const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
    const files: string[] = [];
    const walk = (dir: string, top: boolean): void => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) { if (!(top && SKIP.has(e.name))) walk(p, false); }
        else if (/\.(js|mjs|cjs)$/.test(e.name) && !/\.test\.js$/.test(e.name)) files.push(p);
      }
    };
    walk(root, true);
    const h = createHash('sha256');
    for (const f of files) h.update(path.relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
    memo = files.length > 0 ? h.digest('hex') : null;
  } catch {
    memo = null;
  }
  return memo;
}
