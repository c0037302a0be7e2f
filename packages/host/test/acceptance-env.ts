/**
 * The stage of the root acceptance test (host-acceptance.priv.test.ts): a
 * stand-in host network namespace `ns` joined to the machine's namespace by
 * one veth pair with a /30 (`rootIp` on the machine's side, `hostIp` on the
 * host's), and the real `flynn-host daemon` process started inside `ns`
 * (`nsenter --net`: only its network namespace differs, so its mounts,
 * cgroups and runc state are the machine's as in production). Bridge,
 * masquerade table, forwarding and the jobs' veths are all made by the daemon
 * inside `ns`; the machine's own network only gains the veth end, which
 * `teardown()` deletes with the namespace.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@flynn-ts/core/testing';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const MAIN = join(REPO_ROOT, 'daemons/host/src/main.ts');

export interface Stage {
  ns: string;
  /** The machine side of the veth (where the test's discoverd and log receiver listen). */
  rootIp: string;
  /** The host namespace's side (the daemon's API and EXTERNAL_IP). */
  hostIp: string;
  rootLink: string;
}

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** Makes the namespace and the veth pair; `x` (0–249) picks the /30 (10.253.x.0/30). */
export function setupStage(pid: number): Stage {
  const x = pid % 250;
  const stage: Stage = { ns: `fla-${pid}`, rootIp: `10.253.${x}.1`, hostIp: `10.253.${x}.2`, rootLink: `flar${pid}`.slice(0, 15) };
  run('ip', 'netns', 'add', stage.ns);
  run('ip', 'link', 'add', stage.rootLink, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', stage.ns);
  run('ip', 'addr', 'add', `${stage.rootIp}/30`, 'dev', stage.rootLink);
  run('ip', 'link', 'set', stage.rootLink, 'up');
  run('ip', '-n', stage.ns, 'addr', 'add', `${stage.hostIp}/30`, 'dev', 'uplink');
  run('ip', '-n', stage.ns, 'link', 'set', 'uplink', 'up');
  run('ip', '-n', stage.ns, 'link', 'set', 'lo', 'up');
  return stage;
}

/** Deletes the namespace (with the daemon's bridge, nft table and host veths in it) and the veth pair. */
export function teardownStage(stage: Stage): void {
  spawnSync('ip', ['netns', 'delete', stage.ns], { stdio: 'ignore' });
  spawnSync('ip', ['link', 'delete', stage.rootLink], { stdio: 'ignore' });
}

export interface DaemonProcess {
  readonly pid: number;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<void>;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `flynn-host daemon` in the stage's namespace on `<hostIp>:1113` and waits until `/ping` answers. */
export async function spawnDaemon(stage: Stage, args: readonly string[]): Promise<DaemonProcess> {
  const child: ChildProcess = spawn(
    'nsenter',
    [`--net=/run/netns/${stage.ns}`, '--', process.execPath, '--conditions=@flynn-ts/source', '--import', 'tsx', MAIN, 'daemon', '--http-port', '1113', '--listen-ip', stage.hostIp, '--external-ip', stage.hostIp, ...args],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', FLYNN_HOST_CONFIG: '/nonexistent/host.json' } },
  );
  if (child.pid === undefined) throw new Error('spawn of flynn-host failed');
  const logs: Record<string, unknown>[] = [];
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  let alive = true;
  const exited = new Promise<void>((res) =>
    child.once('exit', () => {
      alive = false;
      res();
    }),
  );
  const pid = child.pid;
  const url = `http://${stage.hostIp}:1113`;
  await waitFor(
    async () => {
      if (!alive) throw new Error(`flynn-host exited early: ${JSON.stringify(logs.slice(-5))}`);
      try {
        return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) })).status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'flynn-host answering /ping' },
  );
  return {
    pid,
    url,
    logs,
    exited,
    alive: () => alive,
    kill: (signal = 'SIGKILL') => {
      if (alive) process.kill(pid, signal);
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
