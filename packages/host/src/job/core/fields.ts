/**
 * Small readers for hand-validated JSON: each takes the parent object, the
 * key and the dotted path of the field, and throws a {@link ValidationError}
 * naming the field (`config.args must be a non-empty array`). JSON `null` is
 * treated as absent, as Go's decoder does for the original's structs.
 */
import { ValidationError } from '@flynn-ts/core';

export const INVALID_JOB = 'FLYNN_HOST_INVALID_JOB';

export type JsonObject = Record<string, unknown>;

/** Throws the 400 for `field`: the message starts with the field name. */
export function invalid(field: string, problem: string): never {
  throw new ValidationError(field, `${field} ${problem}`, { code: INVALID_JOB });
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function join(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

/** Own property or undefined (never reads the prototype chain: `__proto__` keys are data). */
function own(obj: JsonObject, key: string): unknown {
  const v = Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
  return v === null ? undefined : v;
}

export function optObject(obj: JsonObject, key: string, path: string): JsonObject | undefined {
  const v = own(obj, key);
  if (v === undefined) return undefined;
  if (!isObject(v)) invalid(join(path, key), 'must be an object');
  return v;
}

export function optArray(obj: JsonObject, key: string, path: string): unknown[] | undefined {
  const v = own(obj, key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) invalid(join(path, key), 'must be an array');
  return v;
}

export function optBool(obj: JsonObject, key: string, path: string): boolean | undefined {
  const v = own(obj, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') invalid(join(path, key), 'must be a boolean');
  return v;
}

export function optString(obj: JsonObject, key: string, path: string, opts: { nonEmpty?: boolean; max?: number } = {}): string | undefined {
  const v = own(obj, key);
  if (v === undefined) return undefined;
  return checkString(v, join(path, key), opts);
}

export function checkString(v: unknown, field: string, opts: { nonEmpty?: boolean; max?: number } = {}): string {
  if (typeof v !== 'string') invalid(field, 'must be a string');
  if (opts.nonEmpty && v === '') invalid(field, 'must not be empty');
  if (v.includes('\0')) invalid(field, 'must not contain NUL bytes');
  if (opts.max !== undefined && v.length > opts.max) invalid(field, `must be at most ${opts.max} characters`);
  return v;
}

export function optInt(obj: JsonObject, key: string, path: string, min: number, max: number): number | undefined {
  const v = own(obj, key);
  if (v === undefined) return undefined;
  return checkInt(v, join(path, key), min, max);
}

export function checkInt(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) invalid(field, 'must be an integer');
  if (v < min || v > max) invalid(field, `must be between ${min} and ${max}`);
  return v;
}

export function optNumber(obj: JsonObject, key: string, path: string): number | undefined {
  const v = own(obj, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(join(path, key), 'must be a number');
  return v;
}

/** A `{string: string}` map; `keyRule` may reject keys (returning the problem). */
export function optStringMap(
  obj: JsonObject,
  key: string,
  path: string,
  keyRule?: (k: string) => string | undefined,
): Record<string, string> | undefined {
  const m = optObject(obj, key, path);
  if (m === undefined) return undefined;
  const field = join(path, key);
  const entries: [string, string][] = [];
  for (const [k, v] of Object.entries(m)) {
    const problem = keyRule?.(k);
    if (problem !== undefined) invalid(join(field, k), problem);
    entries.push([k, checkString(v, join(field, k))]);
  }
  // fromEntries defines own data properties: a `__proto__` key stays a key.
  return Object.fromEntries(entries);
}

export function optStringArray(obj: JsonObject, key: string, path: string, opts: { nonEmpty?: boolean } = {}): string[] | undefined {
  const a = optArray(obj, key, path);
  if (a === undefined) return undefined;
  return a.map((v, i) => checkString(v, join(join(path, key), i), opts));
}

/** Reads an optional array of objects, mapping each with `fn(item, path)`. */
export function optObjectArray<T>(obj: JsonObject, key: string, path: string, fn: (item: JsonObject, path: string) => T): T[] | undefined {
  const a = optArray(obj, key, path);
  if (a === undefined) return undefined;
  return a.map((item, i) => {
    const p = join(join(path, key), i);
    if (!isObject(item)) invalid(p, 'must be an object');
    return fn(item, p);
  });
}

/** Copies `value` into `out[key]` only when defined (exactOptionalPropertyTypes). */
export function put<T extends object, K extends keyof T>(out: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) out[key] = value;
}
