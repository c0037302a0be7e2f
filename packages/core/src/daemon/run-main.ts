/**
 * The tail every daemon's `main.ts` shares: when the module is the program
 * (`node dist/main.js`, an npm bin link to it, or tsx on the source), run
 * `main` and exit with its status; a throw prints `<name>: <stack>` to stderr
 * and exits 1; with a `version`, `--version` alone prints it instead.
 * Imported by anything else (tests, another program), it does nothing.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The part of `process` that {@link runMain} uses (tests inject a fake). */
export interface MainProcess {
  readonly argv: readonly string[];
  exitCode?: number | string | undefined | null;
  exit(code: number): void;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export interface RunMainOptions {
  /**
   * `true` (the default): `process.exit(status)` as soon as `main` resolves,
   * whatever handles are still open. `false`: only set `process.exitCode`
   * and let the event loop drain (a CLI command writing to a pipe).
   */
  exit?: boolean;
  /**
   * The program's version (`true`: its package's, see {@link packageVersion}):
   * `--version` (or `-version`) as the only argument prints it and exits 0
   * without running `main`.
   */
  version?: string | true;
  /** Default: the real `process`. */
  process?: MainProcess;
}

/** True when `script` (`process.argv[1]`) is the file of `moduleUrl` (`import.meta.url`), through symlinks. */
export function isMainModule(moduleUrl: string, script: string | undefined): boolean {
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** The `version` of the package.json one directory above `moduleUrl` (a package's `src/` or `dist/`), or `unknown`. */
export function packageVersion(moduleUrl: string): string {
  try {
    const version: unknown = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Runs `main` if `moduleUrl` is the program. Returns a promise that settles
 * once the exit status is set (for tests), or undefined when it is not the
 * program.
 */
export function runMain(moduleUrl: string, name: string, main: () => Promise<number>, options: RunMainOptions = {}): Promise<void> | undefined {
  const proc = options.process ?? process;
  if (!isMainModule(moduleUrl, proc.argv[1])) return undefined;
  const args = proc.argv.slice(2);
  if (options.version !== undefined && args.length === 1 && (args[0] === '--version' || args[0] === '-version')) {
    proc.stdout.write(`${options.version === true ? packageVersion(moduleUrl) : options.version}\n`);
    proc.exitCode = 0;
    proc.exit(0);
    return Promise.resolve();
  }
  // Holds the event loop open until main settles: a command that only waits on unref'd timers
  // (systemClock's, e.g. a retry backoff) would otherwise end silently with status 0 mid-way.
  const hold = setInterval(() => {}, 1 << 30);
  return main().finally(() => clearInterval(hold)).then(
    (code) => {
      proc.exitCode = code;
      if (options.exit ?? true) proc.exit(code);
    },
    (err: unknown) => {
      proc.stderr.write(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      proc.exit(1);
    },
  );
}
