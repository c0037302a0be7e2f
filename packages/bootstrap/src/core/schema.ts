/**
 * A tiny structural checker for manifest steps: enough to say exactly which
 * field is wrong (`field "release.processes.web.ports[0].port": must be an
 * integer`) without a schema library. Pure.
 */

export type Spec =
  | { t: 'string'; oneOf?: readonly string[]; nonEmpty?: boolean }
  /** A number, or a string holding a template (rendered later). */
  | { t: 'int'; min?: number; max?: number }
  | { t: 'bool' }
  | { t: 'array'; of: Spec; nonEmpty?: boolean }
  | { t: 'map'; of: Spec; nonEmpty?: boolean }
  | { t: 'object'; fields: Record<string, Field>; extra?: boolean }
  | { t: 'any' };

export interface Field {
  spec: Spec;
  required?: boolean;
}

export const str: Spec = { t: 'string' };
export const nonEmptyStr: Spec = { t: 'string', nonEmpty: true };
export const int: Spec = { t: 'int', min: 0 };
export const bool: Spec = { t: 'bool' };
export const stringMap: Spec = { t: 'map', of: str };
export const stringList: Spec = { t: 'array', of: nonEmptyStr };

export function req(spec: Spec): Field {
  return { spec, required: true };
}

export function opt(spec: Spec): Field {
  return { spec };
}

/** Returns the first problem as `field "<path>": <what>` / `missing field "<path>"`, or undefined. */
export function checkFields(value: Record<string, unknown>, fields: Record<string, Field>, options: { extra?: boolean; ignore?: readonly string[]; prefix?: string } = {}): string | undefined {
  const prefix = options.prefix ?? '';
  for (const [name, field] of Object.entries(fields)) {
    const v = value[name];
    if (v === undefined) {
      if (field.required) return `missing field "${prefix}${name}"`;
      continue;
    }
    const problem = check(v, field.spec, `${prefix}${name}`);
    if (problem) return problem;
  }
  if (!options.extra) {
    for (const name of Object.keys(value)) {
      if (!(name in fields) && !(options.ignore ?? []).includes(name)) return `unknown field "${prefix}${name}"`;
    }
  }
  return undefined;
}

/** One value against a spec; `path` names it in the message. */
export function check(v: unknown, spec: Spec, path: string): string | undefined {
  const bad = (what: string) => `field "${path}": ${what}`;
  switch (spec.t) {
    case 'any':
      return undefined;
    case 'string':
      if (typeof v !== 'string') return bad(`must be a string, got ${kindOf(v)}`);
      if (spec.nonEmpty && v === '') return bad('must not be empty');
      if (spec.oneOf && !v.includes('{{') && !spec.oneOf.includes(v)) return bad(`must be one of ${spec.oneOf.join(', ')}, got ${JSON.stringify(v)}`);
      return undefined;
    case 'int':
      if (typeof v === 'string') return v.includes('{{') || /^\s*-?\d+\s*$/.test(v) ? intRange(Number(v), spec, v.includes('{{'), bad) : bad(`must be an integer or a template, got ${JSON.stringify(v)}`);
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad(`must be an integer, got ${kindOf(v)}`);
      return intRange(v, spec, false, bad);
    case 'bool':
      return typeof v === 'boolean' ? undefined : bad(`must be true or false, got ${kindOf(v)}`);
    case 'array': {
      if (!Array.isArray(v)) return bad(`must be a list, got ${kindOf(v)}`);
      if (spec.nonEmpty && v.length === 0) return bad('must not be empty');
      for (let i = 0; i < v.length; i++) {
        const p = check(v[i], spec.of, `${path}[${i}]`);
        if (p) return p;
      }
      return undefined;
    }
    case 'map': {
      if (!isObject(v)) return bad(`must be an object, got ${kindOf(v)}`);
      if (spec.nonEmpty && Object.keys(v).length === 0) return bad('must not be empty');
      for (const [k, x] of Object.entries(v)) {
        const p = check(x, spec.of, `${path}.${k}`);
        if (p) return p;
      }
      return undefined;
    }
    case 'object':
      if (!isObject(v)) return bad(`must be an object, got ${kindOf(v)}`);
      return checkFields(v, spec.fields, { extra: spec.extra ?? false, prefix: `${path}.` });
  }
}

function intRange(n: number, spec: { min?: number; max?: number }, template: boolean, bad: (w: string) => string): string | undefined {
  if (template) return undefined;
  if (spec.min !== undefined && n < spec.min) return bad(`must be at least ${spec.min}, got ${n}`);
  if (spec.max !== undefined && n > spec.max) return bad(`must be at most ${spec.max}, got ${n}`);
  return undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v)})`;
  return `${typeof v === 'number' ? 'the number' : typeof v} ${String(v)}`;
}
