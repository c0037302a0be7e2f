import { spawn } from 'node:child_process';
import { RuntimeError } from './runtime-error.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  /** Written to stdin, then closed. */
  input?: string;
}

/**
 * Runs a helper command (mount, runc, mkfifo…) to completion. Rejects with
 * `FLYNN_HOST_RUNTIME_COMMAND` (detail: command, exit code, stderr) when it
 * cannot be run or exits non-zero.
 */
export function execTool(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const shown = [cmd, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new RuntimeError('FLYNN_HOST_RUNTIME_COMMAND', `${shown}: could not be run: ${e.message}`, { cause: e, detail: { command: shown } })));
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) return resolve({ stdout, stderr });
      const why = code === null ? `killed by ${signal}` : `exited ${code}`;
      reject(
        new RuntimeError('FLYNN_HOST_RUNTIME_COMMAND', `${shown} ${why}${stderr ? `: ${stderr.trim().slice(-2000)}` : ''}`, {
          detail: { command: shown, exitCode: code, stderr: stderr.slice(-4000) },
        }),
      );
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
  });
}
