/**
 * One daemon of the developer cluster (discoverd, flynn-host, PostgreSQL) as
 * a child process: its output appended to a log file, a pid file while it
 * runs, in its own process group (so a terminal's Ctrl-C reaches only
 * `npm start`, which then stops the daemons in order), and `stop()` with a
 * signal, then SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DaemonProcessOptions {
  /** For messages: `discoverd`, `flynn-host`, `postgres`. */
  name: string;
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  logFile: string;
  pidFile: string;
  uid?: number;
  gid?: number;
}

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class DaemonProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<DaemonExit>;
  private exit: DaemonExit | undefined;
  private stopping = false;

  private constructor(private readonly o: DaemonProcessOptions, child: ChildProcess) {
    this.name = o.name;
    this.logFile = o.logFile;
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        rmSync(o.pidFile, { force: true });
        resolve(this.exit);
      });
    });
  }

  /** Starts the process; rejects when it cannot be spawned. */
  static async start(o: DaemonProcessOptions): Promise<DaemonProcess> {
    mkdirSync(dirname(o.logFile), { recursive: true });
    mkdirSync(dirname(o.pidFile), { recursive: true });
    const fd = openSync(o.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(o.command, [...o.args], {
        env: o.env as NodeJS.ProcessEnv,
        stdio: ['ignore', fd, fd],
        detached: true,
        ...(o.cwd ? { cwd: o.cwd } : {}),
        ...(o.uid !== undefined ? { uid: o.uid } : {}),
        ...(o.gid !== undefined ? { gid: o.gid } : {}),
      });
    } finally {
      closeSync(fd);
    }
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot start ${o.name} (${o.command}): ${err.message}`, { cause: err })));
    });
    writeFileSync(o.pidFile, `${child.pid}\n`);
    return new DaemonProcess(o, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** True once {@link stop} was called (an exit after that is expected). */
  get stopRequested(): boolean {
    return this.stopping;
  }

  /** Sends `signal`, waits up to `graceMs`, then SIGKILLs the process group. Idempotent. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<DaemonExit> {
    this.stopping = true;
    if (this.exit) return this.exit;
    this.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.kill('SIGKILL', true);
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, forced]);
    clearTimeout(timer);
    return this.exited;
  }

  private kill(signal: NodeJS.Signals, group = false): void {
    try {
      if (group) process.kill(-this.pid, signal);
      else this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** The last lines of the log file, for error messages. */
  logTail(lines = 15): string {
    try {
      const text = readFileSync(this.logFile, 'utf8');
      return text.split('\n').filter(Boolean).slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

/** The pid in a pid file when that process is still alive, else undefined. */
export function livePid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
