/**
 * Locates the team's shared test data (`../shared/data` beside the repository root, as in CI).
 * Tests call `sharedData('clip/reference_token_ids.json')`; a missing file fails the test with a
 * message saying where it was looked for, never a silent skip.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root (this file compiles to lib/engine/testing/shared-data.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Absolute path of `../shared/data/<rel>` from the repository root; throws if it does not exist. */
export function sharedData(rel = ''): string {
  const p = path.resolve(REPO_ROOT, '..', 'shared', 'data', rel);
  if (!existsSync(p)) {
    throw new Error(
      `shared test data missing: ${p} (expected ../shared/data/${rel} beside the repository root; ` +
        'see ../shared/data/README.md)',
    );
  }
  return p;
}
