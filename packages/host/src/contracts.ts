/**
 * Contracts between the modules of @flynn-ts/host. The job manager (src/job)
 * composes: network (src/network) → image (src/image) → runtime driver
 * (src/runtime) → logs (src/logs). Each module implements its interface here;
 * modules ADD optional members, never rename or remove.
 */
import type { Readable, Writable } from 'node:stream';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import type { MountSpec } from './types.js';

// ---------------------------------------------------------------- runtime

/** Resource limits resolved from `Job.resources` (defaults applied). */
export interface ContainerLimits {
  /** cgroup memory limit in bytes. */
  memoryBytes?: number;
  /** cgroup cpu shares (1000 milli-CPU = 1024 shares). */
  cpuShares?: number;
  /** RLIMIT_NOFILE soft+hard. */
  maxFd?: number;
  /** RLIMIT_NPROC soft+hard. */
  maxProcs?: number;
  /** cgroup pids.max. */
  pids?: number;
}

export interface ContainerMount {
  /** Host path (a directory or file). */
  source: string;
  /** Path inside the container. */
  target: string;
  writeable: boolean;
}

export type ContainerNetwork =
  | { mode: 'host' }
  | {
      mode: 'netns';
      /** A network namespace path the network module created (e.g. /run/netns/flynn-<id>). */
      netnsPath: string;
    };

/** Everything a driver needs to start one job's container. */
export interface ContainerSpec {
  jobId: string;
  /** argv, resolved (entrypoint + args); never empty. */
  args: string[];
  /** The full environment (host-injected PORT, PORT_<i>, EXTERNAL_IP, LISTEN_IP, DISCOVERD, and the job's). */
  env: Record<string, string>;
  workingDir?: string;
  uid?: number;
  gid?: number;
  /** The job's `linux_capabilities`: added to the driver's capability set. */
  capabilities?: string[];
  hostname: string;
  tty: boolean;
  /** Keep stdin open for attach. */
  stdin: boolean;
  /**
   * Read-only layer directories, bottom first, from the image store. The oci
   * driver stacks them with overlayfs plus a writable upper of `tempDiskBytes`.
   * Empty/undefined: the process driver runs on the host filesystem; the oci
   * driver refuses (a container needs a rootfs).
   */
  lowerDirs?: string[];
  tempDiskBytes: number;
  limits: ContainerLimits;
  network: ContainerNetwork;
  /** Extra bind mounts (volumes, resolv.conf, hosts). */
  mounts: ContainerMount[];
  /** Per-job directory owned by the driver (bundle, fifos, exit files). Survives daemon restarts. */
  stateDir: string;
}

export interface ContainerExit {
  /** Exit code; 128+N when killed by signal N (a SIGKILLed job exits 137). */
  code: number;
  signal?: string;
  oomKilled: boolean;
}

/** One chunk of a container's output, with a cursor to resume after it. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
  /** Opaque, persistable; pass to `output()` to resume after this chunk. */
  cursor: string;
  /** When the monitor read it (ms since the epoch), if it records that (the oci driver's conmon does). */
  time?: number;
}

/** A running (or exited) container the daemon can follow, also after re-attaching. */
export interface ContainerHandle {
  readonly jobId: string;
  /** PID of the job's main process as the host sees it. */
  readonly pid: number;
  /** Resolves once, when the container has exited (also if it exited while the daemon was down). */
  wait(): Promise<ContainerExit>;
  /** Deliver a signal (numeric, e.g. 15) to the job's main process. */
  signal(signal: number): Promise<void>;
  /**
   * The container's output from `afterCursor` (or from the start) to its end;
   * ends after the container exited and all output was read. Works again after
   * a daemon restart (output is kept on disk by the monitor, not in daemon pipes).
   */
  output(afterCursor?: string): AsyncIterable<OutputChunk>;
  /** Writable stdin when the job was started with `stdin: true`. */
  openStdin?(): Promise<Writable>;
  /** tty resize, when `tty: true`. */
  resize?(height: number, width: number): Promise<void>;
}

export interface RuntimeDriver {
  readonly name: 'oci' | 'process' | string;
  start(spec: ContainerSpec): Promise<ContainerHandle>;
  /** Re-attach to a job started by an earlier daemon process; null when nothing is left of it. */
  reattach(jobId: string, stateDir: string): Promise<ContainerHandle | null>;
  /** Remove everything the driver made for the job (after it exited). Idempotent. */
  cleanup(jobId: string, stateDir: string): Promise<void>;
}

// ---------------------------------------------------------------- network

export interface HostNetworkConfig {
  /** The host's subnet as `<bridge ip>/<prefix>`, e.g. `100.100.23.1/24`. */
  subnet: string;
  mtu: number;
  /** Nameservers for jobs' resolv.conf (discoverd DNS, on the bridge IP by default). */
  resolvers: string[];
}

export interface JobNetwork {
  ip: string;
  gateway: string;
  prefixLength: number;
  netnsPath: string;
  /** Host file to bind-mount at /etc/resolv.conf. */
  resolvConf: string;
}

export interface NetworkManager {
  /** Create/refresh bridge flynnbr0, forwarding and masquerade for the subnet. Idempotent. */
  configure(config: HostNetworkConfig): Promise<void>;
  readonly config: HostNetworkConfig | undefined;
  /** Allocate an IP (persisted), make the netns and veth, return what the driver needs. */
  attach(jobId: string): Promise<JobNetwork>;
  /** Re-adopt a job's allocation after a daemon restart (no changes made). */
  adopt(jobId: string): Promise<JobNetwork | null>;
  /** Remove the netns/veth and free the IP. Idempotent. */
  detach(jobId: string): Promise<void>;
}

// ---------------------------------------------------------------- image

export interface PreparedImage {
  /** Read-only layer directories, bottom first. */
  lowerDirs: string[];
}

export interface ImageStore {
  /** Fetch (HTTP, file:// or cache), verify hashes, mount read-only; bottom layer first. */
  prepare(mountspecs: MountSpec[]): Promise<PreparedImage>;
  /** Release a job's hold on its layers (unmount when no job uses them). */
  release(mountspecs: MountSpec[]): Promise<void>;
}

// ---------------------------------------------------------------- logs

export type LogStream = 'stdout' | 'stderr' | 'init';

export interface LogLine {
  jobId: string;
  appId: string;
  processType?: string;
  stream: LogStream;
  message: string;
  /** Milliseconds since the epoch. */
  time: number;
}

export interface LogManager {
  /** Record (per-app file) and ship (to sinks) one line. */
  write(line: LogLine): void;
  /** Past lines of an app, optionally of one job (tail `lines`), then live ones when `follow`. */
  read(filter: { appId: string; jobId?: string }, opts: { lines?: number; follow?: boolean; signal?: AbortSignal }): AsyncIterable<LogLine>;
  close(): Promise<void>;
  /**
   * Optional: resolves when every line written so far is readable by `read()`
   * (the job manager calls it after a job's output drained, before reporting
   * the job done, so its logs are complete when the `stop` event arrives).
   */
  flush?(): Promise<void>;
}

/**
 * Optional capability of a LogManager (detected with {@link canShipLogs}):
 * ship every line to the log aggregators found in a discovery (service
 * `logaggregator`), as FileLogManager does. `startHost` calls it when it
 * connects to a discoverd reported by `POST /host/discoverd` (or remembered
 * from an earlier run), so logs ship without restarting the daemon.
 */
export interface ShippingLogManager extends LogManager {
  shipWith(discovery: ServiceDiscovery): unknown;
}

export function canShipLogs(logs: LogManager): logs is ShippingLogManager {
  return typeof (logs as Partial<ShippingLogManager>).shipWith === 'function';
}

export type { Readable };
