import { spawn } from 'node:child_process';
import { awaitSyncReport } from './sync-report.js';
import { TOOL_PATH } from './proc.js';

export interface ConmonLaunch {
  conmonPath: string;
  runtimePath: string;
  runtimeArgs: readonly string[];
  cid: string;
  bundle: string;
  /** Where the runtime writes the container's init pid. */
  pidFile: string;
  conmonPidFile: string;
  /** conmon writes `<exitDir>/<cid>` with the exit status (128+N for signal N) after draining the log. */
  exitDir: string;
  /** k8s-file log of stdout/stderr. */
  logPath: string;
  stdin: boolean;
  tty: boolean;
  /** Extra environment for conmon (and so for the runtime it runs). */
  env?: Record<string, string>;
  /** Give up waiting for conmon's report after this long (ms). Default 60000. */
  timeoutMs?: number;
}

/** conmon's argv for {@link ConmonLaunch}. Pure. */
export function conmonArgs(l: ConmonLaunch): string[] {
  const args = ['--api-version', '1', '-c', l.cid, '-u', l.cid, '-n', l.cid, '-r', l.runtimePath, '-b', l.bundle, '-p', l.pidFile];
  args.push('--exit-dir', l.exitDir, '-l', `k8s-file:${l.logPath}`, '--conmon-pidfile', l.conmonPidFile, '--log-level', 'error');
  // --full-attach: the attach socket is <bundle>/attach (no symlink dir needed).
  args.push('--full-attach', '--socket-dir-path', l.bundle);
  for (const a of l.runtimeArgs) args.push('--runtime-arg', a);
  if (l.stdin) args.push('-i');
  if (l.tty) args.push('-t');
  return args;
}

/**
 * Starts conmon (which daemonises: its own session, re-parented away from
 * the daemon) and waits until it has run `runtime create`: conmon reports
 * `{"data": <pid>}` (or `{"data": -1, "message": …}`) on the sync pipe
 * (`_OCI_SYNCPIPE`, fd 3). Resolves with the container's init pid.
 */
export async function startConmon(l: ConmonLaunch): Promise<number> {
  const child = spawn(l.conmonPath, conmonArgs(l), {
    // conmon writes an `oom` marker into its working directory when the container is OOM-killed:
    // keep it in the bundle, not wherever the daemon was started.
    cwd: l.bundle,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { ...l.env, PATH: TOOL_PATH, _OCI_SYNCPIPE: '3' },
  });
  child.unref();
  return (await awaitSyncReport(child, 'conmon', l.timeoutMs ?? 60_000)).pid;
}
