import { spawn } from 'node:child_process';
import { FlynnError } from '@flynn-ts/core';

/** A command exited non-zero (or could not be started); `stderr` holds its last output. */
export class CommandError extends FlynnError {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(command: string, exitCode: number | null, stderr: string, cause?: unknown) {
    const why = exitCode === null ? 'could not be run' : `exited ${exitCode}`;
    super('FLYNN_HOST_COMMAND_FAILED', `${command} ${why}${stderr ? `: ${stderr.trim().slice(-2000)}` : ''}`, {
      detail: { command, exitCode },
      cause,
    });
    this.name = 'CommandError';
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface RunOptions {
  /** Written to stdin, then stdin is closed. */
  input?: string | Uint8Array;
  /** Run inside this network namespace (a path), via `nsenter --net=<path>`. */
  netns?: string;
  cwd?: string;
  signal?: AbortSignal;
}

/** Runs a command to completion and returns its stdout; rejects with {@link CommandError}. */
export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const argv = opts.netns === undefined ? [cmd, ...args] : ['nsenter', `--net=${opts.netns}`, '--', cmd, ...args];
  const shown = argv.join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-8000);
    });
    child.on('error', (e) => reject(new CommandError(shown, null, e.message, e)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new CommandError(shown, code, err));
    });
    child.stdin.on('error', () => {}); // a command that does not read stdin closes it early
    child.stdin.end(opts.input);
  });
}
