/**
 * Child processes for test harnesses: spawned, tracked by PID, their output
 * kept as lines, and SIGKILLed by an exit hook if a test leaves one running.
 * Real processes and real time: for integration and system tests only.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * How to enter network namespace `name` (one made with `ip netns add`):
 * `'ip'` runs `ip netns exec <name> …` (which also remounts /sys for the
 * namespace); `'nsenter'` runs `nsenter --net=/run/netns/<name> -- …` (only
 * the network namespace differs: /sys, cgroups and mounts stay the machine's).
 * Both exec the program, so the tracked PID is the program's own.
 */
export interface NetnsEntry {
  name: string;
  via: 'ip' | 'nsenter';
}

export interface SpawnTrackedOptions {
  /** For messages (`spawn of <name> failed`) and `TrackedProcess.name`. */
  name: string;
  cwd?: string;
  /** Added to `process.env` (with `FORCE_COLOR=0`, which `env` may override). */
  env?: Record<string, string>;
  netns?: NetnsEntry;
  /** Which streams are kept as lines; the other is `'ignore'`d. Default `'both'`. */
  capture?: 'both' | 'stderr' | 'stdout';
  /** Keep only the last `maxLines` lines in `lines` (default: all). */
  maxLines?: number;
  /** Called with every complete line, in order (e.g. to parse JSON log lines). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface TrackedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The captured stdout/stderr lines in arrival order (the last `maxLines`). */
  readonly lines: string[];
  readonly exited: Promise<ExitStatus>;
  readonly alive: boolean;
  /** Sends `signal` (default SIGKILL) if the process is still running; never throws. */
  kill(signal?: NodeJS.Signals): void;
  /** Sends `signal` (default SIGTERM), SIGKILL after `graceMs` (default 10 s); resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
}

/** `process.kill` that ignores a process (or group, with a negative pid) that is gone already. */
export function safeKill(pid: number, signal: NodeJS.Signals | number = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** Whether a process with this PID exists (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const live = new Set<TrackedProcess>();
let exitHook = false;

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const p of live) safeKill(p.pid, 'SIGKILL');
  });
}

/** The argv that runs `argv` inside `netns` (or `argv` itself). */
export function netnsArgv(argv: readonly string[], netns?: NetnsEntry): string[] {
  if (!netns) return [...argv];
  if (netns.via === 'ip') return ['ip', 'netns', 'exec', netns.name, ...argv];
  return ['nsenter', `--net=/run/netns/${netns.name}`, '--', ...argv];
}

/**
 * Starts `argv` (stdin ignored), tracked until it exits. Throws when the
 * program cannot be spawned at all (no PID).
 *
 * ```ts
 * const p = spawnTracked([process.execPath, 'main.ts'], { name: 'a', netns: { name: ns, via: 'ip' } });
 * await waitFor(() => p.lines.some((l) => l.includes('ready')));
 * await p.stop();
 * ```
 */
export function spawnTracked(argv: readonly string[], options: SpawnTrackedOptions): TrackedProcess {
  const [cmd, ...args] = netnsArgv(argv, options.netns);
  if (cmd === undefined) throw new Error(`spawn of ${options.name}: empty argv`);
  const capture = options.capture ?? 'both';
  const child = spawn(cmd, args, {
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    stdio: ['ignore', capture === 'stderr' ? 'ignore' : 'pipe', capture === 'stdout' ? 'ignore' : 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
  });
  if (child.pid === undefined) {
    child.once('error', () => {}); // the spawn error is reported by the throw below
    throw new Error(`spawn of ${options.name} failed`);
  }
  const pid = child.pid;
  const lines: string[] = [];
  const push = (line: string, stream: 'stdout' | 'stderr'): void => {
    lines.push(line);
    if (options.maxLines !== undefined && lines.length > options.maxLines) lines.splice(0, lines.length - options.maxLines);
    options.onLine?.(line, stream);
  };
  if (child.stdout) collectLines(child.stdout, (l) => push(l, 'stdout'));
  if (child.stderr) collectLines(child.stderr, (l) => push(l, 'stderr'));
  let alive = true;
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      live.delete(proc);
      resolve({ code, signal });
    }),
  );
  const proc: TrackedProcess = {
    name: options.name,
    pid,
    child,
    lines,
    exited,
    get alive() {
      return alive;
    },
    kill(signal = 'SIGKILL') {
      if (alive) safeKill(pid, signal);
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (!alive) return exited;
      safeKill(pid, signal);
      const timer = setTimeout(() => safeKill(pid, 'SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  installExitHook();
  live.add(proc);
  return proc;
}

/** The tracked processes that have not exited yet. */
export function trackedProcesses(): TrackedProcess[] {
  return [...live];
}

/**
 * Sends `signal` (default SIGKILL) to every tracked process still running and
 * waits until they have exited, at most `timeoutMs` (default 5 s).
 */
export async function killAllTracked(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 5_000): Promise<void> {
  const procs = [...live];
  for (const p of procs) safeKill(p.pid, signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([Promise.all(procs.map((p) => p.exited)), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
}

/** Parses a JSON log line; a line that is not a JSON object becomes `{ raw: line }`. */
export function parseLogLine(line: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(line);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { raw: line };
}

function collectLines(stream: Readable, onLine: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  stream.once('end', () => {
    if (buf !== '') onLine(buf);
    buf = '';
  });
}
