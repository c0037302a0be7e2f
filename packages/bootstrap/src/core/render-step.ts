/**
 * Renders every template in a step just before it runs, and reads the
 * integer fields that may have been templates. Errors name the step and the
 * field. Pure.
 */
import { BOOTSTRAP_TEMPLATE, BootstrapError, stepLabel } from './errors.js';
import type { StepLocation } from './errors.js';
import type { IntField, Step } from './manifest-types.js';
import { isObject } from './schema.js';
import type { TemplateContext } from './template.js';
import { hasTemplate, renderTemplate, TemplateError } from './template.js';

/** A copy of `step` with every string rendered (`id` and `action` stay as they are). */
export function renderStep<S extends Step>(step: S, ctx: TemplateContext, at: StepLocation): S {
  return renderDeep(step, ctx, at, '') as S;
}

function renderDeep(value: unknown, ctx: TemplateContext, at: StepLocation, path: string): unknown {
  if (typeof value === 'string') {
    if (path === 'id' || path === 'action' || !hasTemplate(value)) return value;
    try {
      return renderTemplate(value, ctx);
    } catch (err) {
      if (err instanceof TemplateError) throw new BootstrapError(BOOTSTRAP_TEMPLATE, `${stepLabel(at)}: field "${path}": ${err.message}`, { cause: err });
      throw err;
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => renderDeep(v, ctx, at, `${path}[${i}]`));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderDeep(v, ctx, at, path === '' ? k : `${path}.${k}`);
    return out;
  }
  return value;
}

/** A rendered integer field; throws a BootstrapError naming the field when it is not an integer. */
export function intOf(value: IntField, field: string, at: StepLocation): number {
  const n = typeof value === 'number' ? value : /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new BootstrapError(BOOTSTRAP_TEMPLATE, `${stepLabel(at)}: field "${field}": must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

/** {@link intOf} for an optional field. */
export function optInt(value: IntField | undefined, field: string, at: StepLocation): number | undefined {
  return value === undefined ? undefined : intOf(value, field, at);
}

/** Rendered process counts. */
export function countsOf(processes: Readonly<Record<string, IntField>> | undefined, field: string, at: StepLocation): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, n] of Object.entries(processes ?? {})) out[type] = intOf(n, `${field}.${type}`, at);
  return out;
}
