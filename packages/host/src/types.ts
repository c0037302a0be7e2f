/**
 * The flynn-host wire model (reference §2.3): the JSON a client PUTs and the
 * daemon answers, field names exactly as the original's Go structs marshal.
 *
 * Shared contract of the package: modules ADD here, never rename or remove.
 */

/** One image layer to mount (reference §2.3 `mountspecs[]`). */
export interface MountSpec {
  type: 'squashfs' | string;
  id: string;
  url?: string;
  size?: number;
  hashes?: Record<string, string>;
  meta?: Record<string, string>;
}

export interface HealthCheck {
  type: 'tcp' | 'http' | 'https';
  interval?: number;
  threshold?: number;
  kill_down?: boolean;
  start_timeout?: number;
  path?: string;
  host?: string;
  match?: string;
  status?: number;
}

export interface PortService {
  name: string;
  create?: boolean;
  check?: HealthCheck;
}

export interface Port {
  port: number;
  proto: 'tcp' | 'udp';
  service?: PortService;
}

export interface Mount {
  location: string;
  target: string;
  writeable?: boolean;
  device?: string;
  data?: string;
  flags?: number;
}

export interface VolumeBinding {
  target: string;
  volume: string;
  writeable?: boolean;
  delete_on_stop?: boolean;
}

export interface ContainerConfig {
  args?: string[];
  tty?: boolean;
  stdin?: boolean;
  env?: Record<string, string>;
  mounts?: Mount[];
  volumes?: VolumeBinding[];
  ports?: Port[];
  working_dir?: string;
  uid?: number;
  gid?: number;
  host_network?: boolean;
  host_pid_namespace?: boolean;
  disable_log?: boolean;
  linux_capabilities?: string[];
  allowed_devices?: unknown[];
  auto_created_devices?: unknown[];
  writeable_cgroups?: boolean;
}

/** Resource type names (reference §2.3). */
export type ResourceType = 'memory' | 'cpu' | 'temp_disk' | 'max_fd' | 'max_procs';

export interface ResourceSpec {
  request?: number;
  limit?: number;
}

export type Resources = Partial<Record<ResourceType, ResourceSpec>>;

export type Partition = 'system' | 'background' | 'user';

/** A job as PUT to `/host/jobs/:id`. */
export interface Job {
  id: string;
  mountspecs?: MountSpec[];
  metadata?: Record<string, string>;
  resources?: Resources;
  partition?: Partition;
  config: ContainerConfig;
  resurrect?: boolean;
  profiles?: string[];
}

export type JobStatus = 'starting' | 'running' | 'done' | 'crashed' | 'failed';

/** What `GET /host/jobs/:id` answers (times are RFC 3339 strings on the wire). */
export interface ActiveJob {
  job: Job;
  host_id: string;
  internal_ip?: string;
  pid?: number;
  force_stop?: boolean;
  status: JobStatus;
  created_at: string;
  started_at?: string;
  ended_at?: string;
  exit_status?: number;
  error?: string;
}

export type HostEventType = 'create' | 'start' | 'stop' | 'error' | 'cleanup';

/** SSE `data:` of `/host/jobs` and `/host/jobs/:id` streams. */
export interface HostEvent {
  event: HostEventType;
  job_id: string;
  job: ActiveJob;
}

/** `POST /host/network` body (reported by flannel). */
export interface HostNetwork {
  job_id?: string;
  subnet: string;
  mtu?: number;
  resolvers?: string[];
}

/** `POST /host/discoverd` body. */
export interface HostDiscoverd {
  job_id?: string;
  url: string;
  dns?: string;
}

/**
 * One schedulable resource of a host (`/host/status` `resources`, an addition
 * to the original): `limit` is what the host offers, `requested` the sum of
 * the requests of its active (starting and running) jobs.
 */
export interface HostResourceAmount {
  limit: number;
  requested: number;
}

/** `/host/status` `resources`: memory in bytes, cpu in milli-CPUs (1000 = one CPU). */
export interface HostResources {
  memory: HostResourceAmount;
  cpu: HostResourceAmount;
}

/** `GET /host/status`. */
export interface HostStatus {
  id: string;
  tags?: Record<string, string>;
  pid: number;
  url: string;
  discoverd?: HostDiscoverd;
  network?: HostNetwork;
  version?: string;
  /** The daemon's command line (the original sends `os.Args[2:]`, a string array). */
  flags?: string[] | Record<string, unknown>;
  /** The host's capacity and what its active jobs requested (not sent by the original). */
  resources?: HostResources;
}

/** `POST /host/resource-check` body. */
export interface ResourceCheck {
  ports: { port: number; proto?: 'tcp' | 'udp' }[];
}
