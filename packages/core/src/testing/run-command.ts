/**
 * Commands for root system tests: run a program and get its stdout, `ip -n`,
 * and delete a network namespace (killing what is left in it). Real
 * processes: for integration and system tests only.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { safeKill } from './spawn-tracked.js';

const execFileP = promisify(execFile);

/** Runs a command; resolves with stdout, rejects with stderr (or the error) in the message. Default timeout 30 s. */
export async function runCommand(cmd: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, [...args], { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** `ip -n <ns> ...`. */
export function ipIn(ns: string, ...args: string[]): Promise<string> {
  return runCommand('ip', ['-n', ns, ...args]);
}

/** SIGKILLs the processes left in namespace `ns` (by PID), then deletes it. Never throws. */
export async function deleteNetns(ns: string): Promise<void> {
  const pids = await runCommand('ip', ['netns', 'pids', ns]).catch(() => '');
  for (const pid of pids.split(/\s+/).filter(Boolean)) safeKill(Number(pid), 'SIGKILL');
  await runCommand('ip', ['netns', 'del', ns]).catch(() => {});
}
