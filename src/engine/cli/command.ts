/** What every CLI command file exports, and small helpers they share. */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError } from '../errors.js';

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

/** A usage error: BAD_INPUT with the command's help after the message. */
export function usageError(message: string, help: string): EngineError {
  return new EngineError('BAD_INPUT', `${message}\n\n${help}`);
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * A command's argv through node:util parseArgs with `--help`/`-h` added: null when the help was
 * printed (the command returns 0), a parse error as a usageError.
 */
type Parsed<O extends OptionsConfig, P extends boolean> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: P; strict: true; options: O & typeof HELP_OPTION }>>;

export function parseCommand<O extends OptionsConfig, P extends boolean = false>(argv: string[], help: string, options: O, allowPositionals?: P): Parsed<O, P> | null {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: (allowPositionals ?? false) as P, strict: true as const, options: { ...options, ...HELP_OPTION } });
  } catch (err) {
    throw usageError((err as Error).message, help);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(help);
    return null;
  }
  return parsed;
}
