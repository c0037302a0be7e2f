import type { ContainerSpec } from '../contracts.js';

/**
 * The OCI runtime-spec `config.json` of a job's bundle, built by a pure
 * function from the ContainerSpec (unit-tested without root). Only the subset
 * of the runtime-spec we write is typed.
 */
export interface OciConfig {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: OciLinux;
}

export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciLinux {
  namespaces: { type: string; path?: string }[];
  cgroupsPath: string;
  resources: {
    devices: { allow: boolean; access: string }[];
    memory?: { limit: number; swap?: number };
    cpu?: { shares: number };
    pids?: { limit: number };
  };
  maskedPaths: string[];
  readonlyPaths: string[];
}

/** Docker's default capability set (moby `oci/caps/defaults.go`). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Docker's masked and read-only /proc and /sys paths. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where the init (tini) is bind-mounted, read-only, inside every container. */
export const INIT_TARGET = '/.flynn-init';

export interface OciSpecOptions {
  /** Path (relative to the runtime's cgroup root or absolute) of the job's cgroup. */
  cgroupsPath: string;
  /**
   * Host path of a static init (tini) to run as PID 1: the job's args become
   * `/.flynn-init -s -g -- <args>` (signals go to the job's whole process
   * group, zombies are reaped). `undefined`: the job's first arg is PID 1.
   */
  initPath?: string;
  /** Capability set; default {@link DEFAULT_CAPABILITIES}. */
  capabilities?: readonly string[];
  /** Size of /dev/shm in bytes; default 64 MiB. */
  shmBytes?: number;
  /**
   * Also cap memory+swap at the memory limit (no swapping past it). Needs swap
   * accounting (`memory.memsw.*` on cgroup v1); the driver detects it.
   * Default true.
   */
  limitSwap?: boolean;
}

/** Builds the bundle's config.json for `spec`. Pure: no I/O, deterministic. */
export function buildOciConfig(spec: ContainerSpec, opts: OciSpecOptions): OciConfig {
  // The job's `linux_capabilities` are added to the driver's set (flannel: CAP_NET_ADMIN).
  const caps = [...new Set([...(opts.capabilities ?? DEFAULT_CAPABILITIES), ...(spec.capabilities ?? [])])];
  const args = opts.initPath === undefined ? [...spec.args] : [INIT_TARGET, '-s', '-g', '--', ...spec.args];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: spec.tty,
      user: { uid: spec.uid ?? 0, gid: spec.gid ?? 0 },
      args,
      env: buildEnv(spec),
      cwd: spec.workingDir ?? '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: buildRlimits(spec),
      noNewPrivileges: false,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: spec.hostname,
    mounts: buildMounts(spec, opts),
    annotations: { 'io.flynn.job-id': spec.jobId },
    linux: {
      namespaces: buildNamespaces(spec),
      cgroupsPath: opts.cgroupsPath,
      resources: buildResources(spec, opts.limitSwap ?? true),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}

function buildEnv(spec: ContainerSpec): string[] {
  const env: Record<string, string> = { ...spec.env };
  if (env.PATH === undefined) env.PATH = DEFAULT_PATH;
  if (env.HOSTNAME === undefined) env.HOSTNAME = spec.hostname;
  if (spec.tty && env.TERM === undefined) env.TERM = 'xterm';
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

function buildRlimits(spec: ContainerSpec): OciProcess['rlimits'] {
  const out: OciProcess['rlimits'] = [];
  const { maxFd, maxProcs } = spec.limits;
  if (maxFd !== undefined) out.push({ type: 'RLIMIT_NOFILE', hard: maxFd, soft: maxFd });
  if (maxProcs !== undefined) out.push({ type: 'RLIMIT_NPROC', hard: maxProcs, soft: maxProcs });
  return out;
}

function buildNamespaces(spec: ContainerSpec): OciLinux['namespaces'] {
  const ns: OciLinux['namespaces'] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (spec.network.mode === 'netns') ns.push({ type: 'network', path: spec.network.netnsPath });
  return ns;
}

function buildResources(spec: ContainerSpec, limitSwap: boolean): OciLinux['resources'] {
  const r: OciLinux['resources'] = { devices: [{ allow: false, access: 'rwm' }] };
  const { memoryBytes, cpuShares, pids } = spec.limits;
  if (memoryBytes !== undefined) r.memory = limitSwap ? { limit: memoryBytes, swap: memoryBytes } : { limit: memoryBytes };
  if (cpuShares !== undefined) r.cpu = { shares: cpuShares };
  if (pids !== undefined) r.pids = { limit: pids };
  return r;
}

function buildMounts(spec: ContainerSpec, opts: OciSpecOptions): OciMount[] {
  const shm = opts.shmBytes ?? 64 * 1024 * 1024;
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shm}`] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
  if (opts.initPath !== undefined) {
    mounts.push({ destination: INIT_TARGET, type: 'bind', source: opts.initPath, options: ['bind', 'ro', 'nosuid', 'nodev'] });
  }
  for (const m of spec.mounts) {
    mounts.push({ destination: m.target, type: 'bind', source: m.source, options: ['rbind', m.writeable ? 'rw' : 'ro', 'nosuid', 'nodev'] });
  }
  return mounts;
}
