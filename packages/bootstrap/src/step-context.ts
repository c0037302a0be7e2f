/** What an action gets to run one step, and what it returns. */
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { ControllerClient } from '@flynn-ts/controller';
import type { Job } from '@flynn-ts/host';
import type { ClusterAccess } from './cluster-access.js';
import type { StepLocation } from './core/errors.js';
import type { Step } from './core/manifest-types.js';

/** A job a run-app step started directly on a host. */
export interface StartedJob {
  step: string;
  hostId: string;
  hostUrl: string;
  /** The job as sent to the host. */
  job: Job;
}

/** Mutable state of one bootstrap run. */
export interface RunState {
  /** Each finished step's output, by step id (templates read it as `.StepData`). */
  stepData: Record<string, unknown>;
  /** Set by a `gen-random` step with `controller_key: true`. */
  controllerKey?: string;
  /** Jobs started by run-app steps, in order. */
  started: StartedJob[];
}

export interface StepTools {
  /** Cryptographically random bytes (gen-random). */
  randomBytes(n: number): Uint8Array;
  /** The openssl executable (gen-tls-cert). */
  openssl: string;
}

export interface StepContext<S extends Step = Step> {
  /** The step, templates rendered. */
  step: S;
  at: StepLocation;
  /** Aborts at the step's deadline (with a TimeoutError) or when the run is cancelled. */
  signal: AbortSignal;
  timeoutMs: number;
  state: RunState;
  cluster: ClusterAccess;
  singleton: boolean;
  minHosts: number;
  getenv(name: string): string | undefined;
  /** The controller, found now, with the run's controller key. */
  controller(): Promise<ControllerClient>;
  /** Shows what the step is waiting for (the live progress line). */
  progress(message: string): void;
  tools: StepTools;
  clock: Clock;
  random: Random;
  logger: Logger;
}

export interface ActionResult {
  /** The step's output (`.StepData.<id>`). */
  data?: unknown;
  /** Text to show under the step's line (the `log` action). */
  output?: string;
}

export type Action<S extends Step = Step> = (ctx: StepContext<S>) => Promise<ActionResult>;
