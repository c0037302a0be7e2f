/**
 * The start of every flag-driven daemon's `run…(argv, env)`: parse the
 * command line; `--help` prints the usage (exit 0), a config error prints
 * its message and a hint (exit 2).
 */

/** What a daemon's `parseCommandLine` returns. */
export type ParsedCommandLine<C> = { kind: 'run'; config: C } | { kind: 'help'; text: string };

export interface ReadCommandLineOptions {
  /** The help flag named in the hint after an error (default `--help`; Go-style daemons: `-help`). */
  helpFlag?: string;
  /** Default: the real `process.stdout`/`process.stderr`. */
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
}

/**
 * Runs `parse`. Resolves to `{ config }` to run with, or `{ exitCode }` when
 * there is nothing to run: the usage was printed (0), or `parse` threw an
 * instance of `configError`, which was printed (2). Other errors propagate.
 */
export function readCommandLine<C>(
  parse: () => ParsedCommandLine<C>,
  configError: abstract new (...args: never[]) => Error,
  options: ReadCommandLineOptions = {},
): { config: C } | { exitCode: number } {
  let parsed: ParsedCommandLine<C>;
  try {
    parsed = parse();
  } catch (err) {
    if (!(err instanceof configError)) throw err;
    (options.stderr ?? process.stderr).write(`${err.message}\n\nrun with ${options.helpFlag ?? '--help'} for usage\n`);
    return { exitCode: 2 };
  }
  if (parsed.kind === 'help') {
    (options.stdout ?? process.stdout).write(`${parsed.text}\n`);
    return { exitCode: 0 };
  }
  return { config: parsed.config };
}
