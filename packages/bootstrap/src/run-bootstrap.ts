/**
 * The step runner: runs a validated manifest's steps in order, rendering
 * each step's templates just before it runs (env, earlier steps' outputs,
 * `.Singleton`, `.SortedHostIPs`), reporting progress, giving each step a
 * deadline, and stopping at the first failure with an error that names the
 * step. It refuses to run against a cluster that is already bootstrapped
 * (discoverd has a `controller`), which bootstrapping again would break.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { cryptoRandom, FlynnError, linkSignals, noopLogger, systemClock } from '@flynn-ts/core';
import type { ControllerClient } from '@flynn-ts/controller';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import { ACTIONS } from './actions/index.js';
import { ClusterAccess } from './cluster-access.js';
import { BOOTSTRAP_ALREADY_BOOTSTRAPPED, BOOTSTRAP_STEP_FAILED, BootstrapError, stepLabel } from './core/errors.js';
import type { BootstrapErrorCode, StepLocation } from './core/errors.js';
import type { Manifest, Step } from './core/manifest-types.js';
import type { StepEvent } from './core/progress-format.js';
import { optInt, renderStep } from './core/render-step.js';
import type { TemplateContext } from './core/template.js';
import type { ActionResult, RunState, StartedJob, StepContext, StepTools } from './step-context.js';

export interface BootstrapOptions {
  /** discoverd URL(s): where the hosts and the controller are found. */
  discoverd?: readonly string[];
  /** Or a discovery client (left open). */
  discovery?: ServiceDiscovery;
  /** Host API URLs to use instead of discovery. */
  hostUrls?: readonly string[];
  /** The controller's URL; default: found in discoverd. */
  controllerUrl?: string;
  /** Hosts to wait for (`wait-hosts`, `--min-hosts`). Default 1. */
  minHosts?: number;
  /** Singleton mode: every process count capped at 1. Default: `minHosts === 1`. */
  singleton?: boolean;
  /** Deadline of each step in ms (a step's `timeout`, in seconds, overrides it). Default 120 000. */
  timeoutMs?: number;
  /** Where `getenv` reads. Default: nothing is set. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Refuse to run when discoverd already has a `controller`. Default true. */
  checkBootstrapped?: boolean;
  /** Progress: a `start`, `progress` (about every `progressIntervalMs`), then `done` or `failed` per step. */
  onEvent?: (e: StepEvent) => void;
  progressIntervalMs?: number;
  /** Cancels the run (the current step fails with the signal's reason). */
  signal?: AbortSignal;
  tools?: Partial<StepTools>;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

export interface BootstrapResult {
  /** Each step's output, by id. */
  stepData: Record<string, unknown>;
  controllerKey?: string;
  /** The jobs run-app steps started on hosts. */
  jobs: StartedJob[];
}

const DEFAULT_TIMEOUT_MS = 120_000;

export async function runBootstrap(manifest: Manifest, options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? noopLogger;
  const cluster = new ClusterAccess({
    ...(options.discoverd ? { discoverd: options.discoverd } : {}),
    ...(options.discovery ? { discovery: options.discovery } : {}),
    ...(options.hostUrls ? { hostUrls: options.hostUrls } : {}),
    ...(options.controllerUrl ? { controllerUrl: options.controllerUrl } : {}),
    clock,
    logger,
  });
  const state: RunState = { stepData: {}, started: [] };
  try {
    if (options.checkBootstrapped !== false) await ensureNotBootstrapped(cluster, options.signal);
    const total = manifest.steps.length;
    for (let i = 0; i < total; i++) await runStep(manifest.steps[i]!, { index: i + 1, total }, cluster, state, options);
    return { stepData: state.stepData, jobs: state.started, ...(state.controllerKey ? { controllerKey: state.controllerKey } : {}) };
  } finally {
    await cluster.close();
  }
}

/** Throws {@link BOOTSTRAP_ALREADY_BOOTSTRAPPED} when discoverd knows a controller. */
export async function ensureNotBootstrapped(cluster: ClusterAccess, signal?: AbortSignal): Promise<void> {
  if (!cluster.discovery) return;
  let instances;
  try {
    instances = await cluster.discovery.instances('controller', signal ? { signal } : {});
  } catch {
    return; // discoverd not reachable yet: the steps that need it will say so
  }
  if (instances.length > 0) {
    throw new BootstrapError(
      BOOTSTRAP_ALREADY_BOOTSTRAPPED,
      `this cluster is already bootstrapped: discoverd has a controller at ${instances.map((i) => i.addr).join(', ')}; bootstrapping it again would break it (to start over, remove the hosts' state and discoverd's data first)`,
    );
  }
}

async function runStep(raw: Step, pos: { index: number; total: number }, cluster: ClusterAccess, state: RunState, o: BootstrapOptions): Promise<void> {
  const clock = o.clock ?? systemClock;
  const at: StepLocation = { index: pos.index, id: raw.id, action: raw.action };
  const ref = { index: pos.index, total: pos.total, id: raw.id, action: raw.action };
  const emit = (e: StepEvent) => o.onEvent?.(e);
  const started = clock.monotonic();
  emit({ type: 'start', ...ref });
  let message = '';
  const ticker = clock.every(o.progressIntervalMs ?? 1000, () => emit({ type: 'progress', ...ref, elapsedMs: clock.monotonic() - started, message }));
  let linked: ReturnType<typeof linkSignals> | undefined;
  try {
    const step = renderStep(raw, await templateContext(raw, cluster, state, o), at);
    const timeoutMs = (optInt(step.timeout, 'timeout', at) ?? 0) * 1000 || (o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    linked = linkSignals([o.signal], { timeoutMs, clock, what: stepLabel(at) });
    const ctx = stepContext(step, at, linked.signal, timeoutMs, cluster, state, o, (m) => {
      if (m !== message) {
        message = m;
        emit({ type: 'progress', ...ref, elapsedMs: clock.monotonic() - started, message });
      }
    });
    const result: ActionResult = await (ACTIONS[step.action] as (c: StepContext) => Promise<ActionResult>)(ctx);
    state.stepData[step.id] = result.data ?? {};
    emit({ type: 'done', ...ref, elapsedMs: clock.monotonic() - started, ...(result.output !== undefined ? { output: result.output } : {}) });
  } catch (err) {
    const error = failure(err, at);
    emit({ type: 'failed', ...ref, elapsedMs: clock.monotonic() - started, error: error.message.slice(stepLabel(at).length + 2) });
    throw error;
  } finally {
    ticker.cancel();
    linked?.dispose();
  }
}

/** `step 7 (controller): run-app: <what went wrong>`, keeping a BootstrapError's code. */
function failure(err: unknown, at: StepLocation): BootstrapError {
  const label = stepLabel(at);
  const message = err instanceof Error ? err.message : String(err);
  const code = (err instanceof BootstrapError ? err.code : BOOTSTRAP_STEP_FAILED) as BootstrapErrorCode;
  const apiHint = FlynnError.is(err) && !(err instanceof BootstrapError) && err.apiCode !== 'unknown_error' ? ` (${err.apiCode})` : '';
  return new BootstrapError(code, message.startsWith(`${label}: `) ? message : `${label}: ${message}${apiHint}`, { cause: err, detail: { step: at.index, id: at.id, action: at.action } });
}

async function templateContext(raw: Step, cluster: ClusterAccess, state: RunState, o: BootstrapOptions): Promise<TemplateContext> {
  const needsIps = JSON.stringify(raw).includes('SortedHostIPs');
  const ips = needsIps ? [...new Set((await cluster.hosts(o.signal)).map((h) => h.ip))].sort() : [];
  return {
    data: { StepData: state.stepData, Singleton: singleton(o), SortedHostIPs: ips },
    getenv: (name) => o.env?.[name],
  };
}

function singleton(o: BootstrapOptions): boolean {
  return o.singleton ?? (o.minHosts ?? 1) === 1;
}

function stepContext(
  step: Step,
  at: StepLocation,
  signal: AbortSignal,
  timeoutMs: number,
  cluster: ClusterAccess,
  state: RunState,
  o: BootstrapOptions,
  progress: (m: string) => void,
): StepContext {
  return {
    step,
    at,
    signal,
    timeoutMs,
    state,
    cluster,
    singleton: singleton(o),
    minHosts: o.minHosts ?? 1,
    getenv: (name) => o.env?.[name],
    async controller(): Promise<ControllerClient> {
      if (!state.controllerKey) throw new BootstrapError(BOOTSTRAP_STEP_FAILED, 'no controller key: a gen-random step with "controller_key": true must come first');
      await cluster.refreshController(signal);
      return cluster.controller(state.controllerKey);
    },
    progress,
    tools: {
      randomBytes: o.tools?.randomBytes ?? ((n) => nodeRandomBytes(n)),
      openssl: o.tools?.openssl ?? 'openssl',
    },
    clock: o.clock ?? systemClock,
    random: o.random ?? cryptoRandom(),
    logger: o.logger ?? noopLogger,
  };
}
