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
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLogLine, spawnTracked, waitFor } from '@flynn-ts/core/testing';

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
  const logs: Record<string, unknown>[] = [];
  const proc = spawnTracked([process.execPath, '--conditions=@flynn-ts/source', '--import', 'tsx', MAIN, 'daemon', '--http-port', '1113', '--listen-ip', stage.hostIp, '--external-ip', stage.hostIp, ...args], {
    name: 'flynn-host',
    cwd: REPO_ROOT,
    env: { FLYNN_HOST_CONFIG: '/nonexistent/host.json' },
    netns: { name: stage.ns, via: 'nsenter' },
    capture: 'stderr',
    onLine: (l) => logs.push(parseLogLine(l)),
  });
  const exited = proc.exited.then(() => {});
  const pid = proc.pid;
  const url = `http://${stage.hostIp}:1113`;
  await waitFor(
    async () => {
      if (!proc.alive) throw new Error(`flynn-host exited early: ${JSON.stringify(logs.slice(-5))}`);
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
    alive: () => proc.alive,
    kill: (signal = 'SIGKILL') => proc.kill(signal),
  };
}
