/**
 * Starting the developer cluster's own daemons, in order: discoverd (raft
 * of one, DNS on the dev DNS port), then flynn-host (process or oci driver,
 * its API on 127.0.0.1, stopping its jobs when it stops), each from this checkout's
 * sources, each resolving once it answers.
 */
import { join } from 'node:path';
import type { DevClusterConfig } from './dev-config.js';
import { DaemonProcess } from './daemon-process.js';

/** What the developer host offers the scheduler (see startFlynnHost). */
export const DEV_HOST_CAPACITY = { cpus: 64, memory: '64G' } as const;

export interface DevPaths {
  logs: string;
  run: string;
  discoverd: string;
  host: string;
  postgres: string;
  bin: string;
}

export function devPaths(dataDir: string): DevPaths {
  return {
    logs: join(dataDir, 'logs'),
    run: join(dataDir, 'run'),
    discoverd: join(dataDir, 'discoverd'),
    host: join(dataDir, 'host'),
    postgres: join(dataDir, 'postgres'),
    bin: join(dataDir, 'bin'),
  };
}

/** `node <NODE_OPTIONS…> daemons/<name>/src/main.ts`: the command of a node daemon of this checkout. */
function nodeDaemon(c: DevClusterConfig, name: string): { command: string; args: string[] } {
  const options = c.nodeOptions.split(/\s+/).filter(Boolean);
  return { command: c.node, args: [...options, join(c.repoRoot, 'daemons', name, c.daemonMain)] };
}


export async function startDiscoverd(c: DevClusterConfig, paths: DevPaths): Promise<DaemonProcess> {
  const { command, args } = nodeDaemon(c, 'discoverd');
  const proc = await DaemonProcess.start({
    name: 'discoverd',
    command,
    args: [...args, `-data-dir=${paths.discoverd}`, `-host=${c.listenIp}`, `-addr=${c.listenIp}:${c.ports.discoverd}`, `-dns-addr=${c.listenIp}:${c.ports.dns}`],
    env: c.baseEnv,
    cwd: c.repoRoot,
    logFile: join(paths.logs, 'discoverd.log'),
    pidFile: join(paths.run, 'discoverd.pid'),
  });
  await waitAnswer(proc, `http://${c.listenIp}:${c.ports.discoverd}/raft/leader`, (status, body) => status === 200 && body.includes('"host"'));
  return proc;
}

export async function startFlynnHost(c: DevClusterConfig, paths: DevPaths): Promise<DaemonProcess> {
  const { command, args } = nodeDaemon(c, 'host');
  const proc = await DaemonProcess.start({
    name: 'flynn-host',
    command,
    args: [
      ...args,
      'daemon',
      `--id=${c.hostId}`,
      `--http-port=${c.ports.host}`,
      `--listen-ip=${c.listenIp}`,
      `--external-ip=${c.listenIp}`,
      `--state=${join(paths.host, 'state')}`,
      `--volpath=${join(paths.host, 'volumes')}`,
      `--image-dir=${join(paths.host, 'images')}`,
      `--log-dir=${join(paths.host, 'logs')}`,
      ...driverFlags(c),
      `--discoverd=http://${c.listenIp}:${c.ports.discoverd}`,
      '--stop-jobs-on-exit',
      '--stop-grace=10s',
      // Capacity offered to the scheduler: the process driver enforces no limits, so the developer
      // host overcommits, and apps with the controller's default requests (1 CPU, 1 GiB each) fit.
      `--cpus=${DEV_HOST_CAPACITY.cpus}`,
      `--memory=${DEV_HOST_CAPACITY.memory}`,
    ],
    // No /etc/flynn/host.json: this host's flags are all on the command line.
    env: { ...c.baseEnv, FLYNN_HOST_CONFIG: join(paths.host, 'host.json') },
    cwd: c.repoRoot,
    logFile: join(paths.logs, 'flynn-host.log'),
    pidFile: join(paths.run, 'flynn-host.pid'),
  });
  await waitAnswer(proc, `http://${c.listenIp}:${c.ports.host}/host/status`, (status) => status === 200);
  return proc;
}

/** `--driver=process`, or the oci driver with the bridge configured at start (single host). */
function driverFlags(c: DevClusterConfig): string[] {
  if (c.driver === 'process') return ['--driver=process'];
  return ['--driver=oci', `--bridge-name=${c.bridge.name}`, `--subnet=${c.bridge.subnet}`];
}

/** Polls `url` until `ok`; fails when the process exits first or after 60 s. */
async function waitAnswer(proc: DaemonProcess, url: string, ok: (status: number, body: string) => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = '';
  for (;;) {
    if (!proc.running) {
      const exit = await proc.exited;
      throw new Error(`${proc.name} exited at start (${exit.signal ?? `status ${exit.code}`}); the end of its log (${proc.logFile}):\n${proc.logTail()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      if (ok(res.status, body)) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      await proc.stop('SIGKILL');
      throw new Error(`${proc.name} did not answer at ${url} within 60 s (${last}); the end of its log (${proc.logFile}):\n${proc.logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}
