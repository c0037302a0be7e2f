/**
 * Black-box harness: the real `flynn-host` program (`node
 * --conditions=@flynn-ts/source --import tsx daemons/host/src/main.ts`) on
 * loopback with temp directories. Daemons are tracked by PID and killed by
 * `killAll()` (and by an exit hook as a last resort).
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, parseLogLine, safeKill, spawnTracked, trackedProcesses, waitFor } from '@flynn-ts/core/testing';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const MAIN = join(REPO_ROOT, 'daemons/host/src/main.ts');
const NODE_ARGS = ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN];

export interface Daemon {
  readonly pid: number;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export { isAlive, safeKill };

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Starts `flynn-host daemon` with `args` and waits until `/ping` answers. */
export async function spawnDaemon(port: number, args: string[], env: Record<string, string> = {}): Promise<Daemon> {
  const logs: Record<string, unknown>[] = [];
  const proc = spawnTracked([process.execPath, ...NODE_ARGS, 'daemon', '--http-port', String(port), '--listen-ip', '127.0.0.1', ...args], {
    name: 'flynn-host',
    cwd: REPO_ROOT,
    env: { FLYNN_HOST_CONFIG: '/nonexistent/host.json', ...env },
    capture: 'stderr',
    onLine: (line) => logs.push(parseLogLine(line)),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (!proc.alive) throw new Error(`flynn-host exited early: ${JSON.stringify(logs.slice(-5))}`);
      return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) })).status === 200;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'flynn-host answering /ping' },
  );
  return { pid: proc.pid, url, logs, exited: proc.exited, kill: (signal = 'SIGKILL') => proc.kill(signal) };
}

/** SIGKILLs every daemon still running (by PID); does not wait. */
export function killAll(): void {
  for (const p of trackedProcesses()) p.kill('SIGKILL');
}

/** Runs a `flynn-host` CLI command; resolves with its exit status and output. */
export function cli(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = execFile(process.execPath, [...NODE_ARGS, ...args], { cwd: REPO_ROOT, env: { ...process.env, FORCE_COLOR: '0' } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | undefined) ?? 1 : 0;
      resolveRun({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}
