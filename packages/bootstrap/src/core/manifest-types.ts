/**
 * The bootstrap manifest: a JSON array of steps `{id, action, ...}` run in
 * order (reference §4.2). String fields may hold templates (./template.ts),
 * rendered just before their step runs; number fields (ports, counts,
 * lengths, timeouts) may be given as templates too, and must render to an
 * integer. See docs/bootstrap.md for every action's fields.
 */

/** A number, or a template that renders to one. */
export type IntField = number | string;

export interface StepBase {
  /** Unique in the manifest; later steps read this step's output as `.StepData.<id>`. */
  id: string;
  /** Per-step deadline for the steps that wait, in seconds (default: the runner's `--timeout`). */
  timeout?: IntField;
}

/** An app as created in the controller. */
export interface AppSpec {
  name: string;
  id?: string;
  meta?: Record<string, string>;
  strategy?: string;
  deploy_timeout?: IntField;
}

export interface PortSpec {
  port: IntField;
  proto?: 'tcp' | 'udp';
  service?: { name: string; create?: boolean; check?: Record<string, unknown> };
}

/** A release's process type (reference §5.4); unknown fields go to the controller as they are. */
export interface ProcessTypeSpec {
  args?: string[];
  env?: Record<string, string>;
  ports?: PortSpec[];
  omni?: boolean;
  host_network?: boolean;
  service?: string;
  resurrect?: boolean;
  [field: string]: unknown;
}

export interface ReleaseSpec {
  id?: string;
  env?: Record<string, string>;
  meta?: Record<string, string>;
  processes: Record<string, ProcessTypeSpec>;
}

export interface ArtifactSpec {
  id?: string;
  type: 'flynn' | 'docker' | 'file';
  uri: string;
  manifest?: unknown;
  meta?: Record<string, string>;
  layer_url_template?: string;
}

export interface RequireEnvStep extends StepBase {
  action: 'require-env';
  vars: string[];
}

export interface ResourceCheckStep extends StepBase {
  action: 'resource-check';
  ports: { port: IntField; proto?: 'tcp' | 'udp' }[];
}

export interface RunAppStep extends StepBase {
  action: 'run-app';
  app: AppSpec;
  release: ReleaseSpec;
  artifacts?: ArtifactSpec[];
  /** Process type → count (omni types: per host). Singleton mode caps every count at 1. */
  processes: Record<string, IntField>;
}

export interface WaitHostsStep extends StepBase {
  action: 'wait-hosts';
  /** What every host must report in `/host/status` besides answering. */
  require?: ('discoverd' | 'network')[];
}

export type RandomEncoding = 'hex' | 'base64' | 'base64url' | 'alphanumeric' | 'uuid';

export interface GenRandomStep extends StepBase {
  action: 'gen-random';
  /** Bytes (hex/base64/base64url) or characters (alphanumeric). Default 16. */
  length?: IntField;
  encoding?: RandomEncoding;
  /** A value to use instead of a random one when it renders non-empty (e.g. `{{ getenv "CONTROLLER_KEY" }}`). */
  data?: string;
  /** This value is the controller key the later steps authenticate with. */
  controller_key?: boolean;
}

export interface GenTlsCertStep extends StepBase {
  action: 'gen-tls-cert';
  /** DNS names of the certificate, e.g. the domain and `*.domain`. */
  hosts: string[];
  /** An existing CA certificate, certificate and key (PEM): used when `cert` and `key` render non-empty. */
  ca_cert?: string;
  cert?: string;
  key?: string;
}

export interface WaitStep extends StepBase {
  action: 'wait';
  /** `http(s)://…` (a `<service>.discoverd` host is looked up in discoverd) or `tcp://host:port`. */
  url: string;
  /** HTTP status to wait for (default 200). */
  status?: IntField;
  /** `Host` header to send (to reach a route through a router). */
  host?: string;
}

export interface AddAppStep extends StepBase {
  action: 'add-app';
  /** The run-app step whose app to register. */
  from_step: string;
}

export interface ScaleAppStep extends StepBase {
  action: 'scale-app';
  /** The run-app or deploy-app step whose app to scale… */
  app_step?: string;
  /** …or an app name. */
  app?: string;
  processes: Record<string, IntField>;
  /** Wait for the jobs (default true). */
  wait?: boolean;
}

export interface DeployAppStep extends StepBase {
  action: 'deploy-app';
  app: AppSpec;
  release: ReleaseSpec;
  artifacts?: ArtifactSpec[];
  processes?: Record<string, IntField>;
  /** Wait for the jobs to be up (default true). */
  wait?: boolean;
}

export interface RouteSpec {
  type: 'http' | 'tcp';
  service: string;
  domain?: string;
  port?: IntField;
  path?: string;
  sticky?: boolean;
  leader?: boolean;
  drain_backends?: boolean;
}

export interface AddRouteStep extends StepBase {
  action: 'add-route';
  app_step?: string;
  app?: string;
  /** A gen-tls-cert step whose certificate the (http) route serves. */
  cert_step?: string;
  route: RouteSpec;
}

export interface StatusCheckStep extends StepBase {
  action: 'status-check';
  /** Apps (names) whose formations must be fully up; default every app with meta `flynn-system-app=true`. */
  apps?: string[];
  /** A URL that must answer 200 (a `<service>.discoverd` host is looked up in discoverd). */
  url?: string;
}

export interface LogStep extends StepBase {
  action: 'log';
  output: string;
}

export type Step =
  | RequireEnvStep
  | ResourceCheckStep
  | RunAppStep
  | WaitHostsStep
  | GenRandomStep
  | GenTlsCertStep
  | WaitStep
  | AddAppStep
  | ScaleAppStep
  | DeployAppStep
  | AddRouteStep
  | StatusCheckStep
  | LogStep;

export type StepAction = Step['action'];

export const STEP_ACTIONS: readonly StepAction[] = [
  'require-env',
  'resource-check',
  'run-app',
  'wait-hosts',
  'gen-random',
  'gen-tls-cert',
  'wait',
  'add-app',
  'scale-app',
  'deploy-app',
  'add-route',
  'status-check',
  'log',
];

/** A validated manifest. */
export interface Manifest {
  steps: Step[];
}
