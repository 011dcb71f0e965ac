/** What every CLI command file exports, and small helpers they share. */
import { readFileSync } from 'node:fs';

export interface Command {
  /** One line for `fastsam-geo --help`. */
  summary: string;
  /** Runs the command with its own argv (after the command name); resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}
