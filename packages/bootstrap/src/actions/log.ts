/** `log`: print a (templated) message, e.g. the `flynn cluster add` line. */
import type { LogStep } from '../core/manifest-types.js';
import type { Action } from '../step-context.js';

export const log: Action<LogStep> = async (ctx) => ({ data: { output: ctx.step.output }, output: ctx.step.output });
