/** `require-env`: fail at once when environment variables are unset or empty. */
import { BOOTSTRAP_STEP_FAILED, BootstrapError } from '../core/errors.js';
import type { RequireEnvStep } from '../core/manifest-types.js';
import type { Action } from '../step-context.js';

export const requireEnv: Action<RequireEnvStep> = async (ctx) => {
  const missing = ctx.step.vars.filter((v) => (ctx.getenv(v) ?? '') === '');
  if (missing.length > 0) {
    throw new BootstrapError(BOOTSTRAP_STEP_FAILED, `missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (set ${missing.map((m) => `${m}=…`).join(' ')})`);
  }
  return { data: Object.fromEntries(ctx.step.vars.map((v) => [v, ctx.getenv(v)!])) };
};
