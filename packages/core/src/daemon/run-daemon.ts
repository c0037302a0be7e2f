/**
 * The signal handling every daemon's `main.ts` shares: the first SIGTERM or
 * SIGINT asks the daemon to stop (its `stop` signal aborts, with the signal's
 * name as the reason), a second one exits at once with status 1. Both are
 * logged as `{event: "signal", signal}` lines.
 */
import { noopLogger } from '../logger.js';
import type { Logger } from '../logger.js';

/** The part of `process` that {@link runDaemon} uses (tests inject a fake). */
export interface SignalProcess {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  /** Ends the process; a fake may return. */
  exit(code: number): void;
}

export interface RunDaemonOptions {
  /** Where the signal lines go (default: nowhere). */
  logger?: Logger;
  /** The signals that stop the daemon (default SIGTERM and SIGINT). */
  signals?: readonly NodeJS.Signals[];
  /** The message of the first signal's line (default `shutting down`). */
  stopMessage?: string;
  /** Default: the real `process`. */
  process?: SignalProcess;
}

export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Runs `run` with a `stop` signal that aborts on the first shutdown signal;
 * resolves with what `run` resolves (the exit code). `run` starts the daemon,
 * waits for `stop` (see {@link untilAborted}; it may already be aborted when
 * a signal came during start-up), shuts down gracefully and returns. The
 * handlers are installed for the whole of `run` and removed after it.
 */
export async function runDaemon(run: (stop: AbortSignal) => Promise<number>, options: RunDaemonOptions = {}): Promise<number> {
  const proc = options.process ?? process;
  const logger = options.logger ?? noopLogger;
  const signals = options.signals ?? SHUTDOWN_SIGNALS;
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      logger.warn({ event: 'signal', signal }, 'second signal: exiting at once');
      proc.exit(1);
      return;
    }
    logger.info({ event: 'signal', signal }, options.stopMessage ?? 'shutting down');
    stop.abort(signal);
  };
  for (const s of signals) proc.on(s, onSignal);
  try {
    return await run(stop.signal);
  } finally {
    for (const s of signals) proc.off(s, onSignal);
  }
}

/** Resolves once `signal` has aborted (at once if it already has), with its reason. */
export function untilAborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}
