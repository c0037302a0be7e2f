/**
 * What the CLI touches of its process, as one object: streams, environment,
 * working and home directories and signals. `main.ts` passes the real ones;
 * tests pass their own.
 */
import { homedir } from 'node:os';

export interface CliOutput {
  write(chunk: string | Uint8Array): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

export interface CliInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: CliInput;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string;
  /** How to run this CLI again (e.g. `[node, --import, tsx, main.ts]`), for the git credential helper. */
  self?: readonly string[];
  /** Subscribes to a process signal; returns the unsubscribe. */
  onSignal(signal: NodeJS.Signals, fn: () => void): () => void;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    home: process.env.HOME || homedir(),
    ...(process.argv[1] ? { self: [process.execPath, ...process.execArgv, process.argv[1]] } : {}),
    onSignal(signal, fn) {
      process.on(signal, fn);
      return () => process.off(signal, fn);
    },
  };
}
