/**
 * Polling until a condition holds or the step's deadline passes: every wait
 * of the bootstrap (hosts, URLs, jobs, status) is one of these, so a
 * timeout always says what was awaited and what was last seen.
 */
import { TimeoutError } from '@flynn-ts/core';
import { BOOTSTRAP_TIMEOUT, BootstrapError } from './core/errors.js';
import { formatDuration } from './core/progress-format.js';
import type { StepContext } from './step-context.js';

export interface PollOptions {
  /** What is awaited, for the timeout message ("the controller to answer"). */
  what: string;
  intervalMs?: number;
  /** Extra lines for the timeout message (e.g. crashed jobs and their logs). */
  diagnose?: () => Promise<string | undefined>;
}

/**
 * Calls `attempt` until it returns a value. `attempt` returns undefined to go
 * on (after reporting progress itself) and may throw to fail at once.
 * `last` is what the attempt last saw, for the timeout message.
 */
export async function pollUntil<T>(ctx: StepContext, attempt: () => Promise<T | undefined>, o: PollOptions & { last: () => string | undefined }): Promise<T> {
  const interval = o.intervalMs ?? 500;
  for (;;) {
    try {
      const result = await attempt();
      if (result !== undefined) return result;
    } catch (err) {
      if (!ctx.signal.aborted) throw err;
    }
    try {
      await ctx.clock.sleep(interval, ctx.signal);
    } catch {
      // aborted: handled below
    }
    if (ctx.signal.aborted) await failAborted(ctx, o);
  }
}

async function failAborted(ctx: StepContext, o: PollOptions & { last: () => string | undefined }): Promise<never> {
  const reason: unknown = ctx.signal.reason;
  if (!(reason instanceof TimeoutError)) throw reason;
  const last = o.last();
  let extra: string | undefined;
  try {
    extra = await o.diagnose?.();
  } catch {
    extra = undefined;
  }
  throw new BootstrapError(
    BOOTSTRAP_TIMEOUT,
    `timed out after ${formatDuration(ctx.timeoutMs)} waiting for ${o.what}${last ? ` (last: ${last})` : ''}${extra ? `\n${extra}` : ''}`,
    { cause: reason },
  );
}

/** A short description of any error for progress and timeout messages. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: { code?: unknown } }).cause;
    const sys = typeof cause?.code === 'string' ? cause.code : typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
    return sys && !err.message.includes(sys) ? `${err.message} (${sys})` : err.message;
  }
  return String(err);
}
