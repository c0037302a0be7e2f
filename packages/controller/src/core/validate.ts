/**
 * Small, dependency-free checks for request bodies. Every check throws the
 * controller's 400 validation error naming the offending field (dotted path),
 * so a handler reads a body field by field and never hands PostgreSQL a value
 * it would reject with a 500 (NUL characters, out-of-range integers, bad
 * UUIDs, absurd nesting).
 */
import { validationError } from '../errors.js';
import type { ProcessCounts, ProcessTags, StringMap } from '../types.js';

export type JsonObject = Record<string, unknown>;

/** The original's id pattern: hex UUID with or without dashes. */
export const UUID_PATTERN = /^[a-f0-9]{8}-?([a-f0-9]{4}-?){3}[a-f0-9]{12}$/i;
const INT32_MAX = 2_147_483_647;
const MAX_DEPTH = 32;

/** A UUID in canonical form (lowercase, dashed), or undefined when `s` is not one. */
export function canonicalUuid(s: string): string | undefined {
  if (!UUID_PATTERN.test(s)) return undefined;
  const hex = s.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The request body as an object; anything else (array, string, null) is a validation error. */
export function asObject(value: unknown, field = ''): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw validationError(field, 'must be an object');
  return value as JsonObject;
}

/** Rejects keys outside `allowed` (the original's schemas have `additionalProperties: false`). */
export function rejectUnknown(o: JsonObject, allowed: readonly string[], prefix = ''): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw validationError(prefix + key, 'is not allowed');
  }
}

/**
 * Walks any JSON value iteratively and rejects what PostgreSQL cannot store:
 * NUL characters in strings or keys, and nesting deeper than 32 levels.
 */
export function checkStorable(value: unknown, field: string): void {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 0, path: field }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw validationError(path, 'must not contain NUL characters');
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_DEPTH) throw validationError(path, `is nested too deeply (max ${MAX_DEPTH})`);
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, depth: depth + 1, path: `${path}.${i}` }));
    } else {
      for (const [k, item] of Object.entries(v as JsonObject)) {
        if (k.includes('\u0000')) throw validationError(path, 'must not contain NUL characters in keys');
        stack.push({ v: item, depth: depth + 1, path: path ? `${path}.${k}` : k });
      }
    }
  }
}

export interface StringRule {
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  oneOf?: readonly string[];
}

/** A string field; `undefined` when absent (or null) and not required. */
export function str(o: JsonObject, key: string, rule: StringRule = {}, prefix = ''): string | undefined {
  const field = prefix + key;
  const v = o[key];
  if (v === undefined || v === null) {
    if (rule.required) throw validationError(field, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') throw validationError(field, 'must be a string');
  if (v.includes('\u0000')) throw validationError(field, 'must not contain NUL characters');
  if (rule.minLength !== undefined && v.length < rule.minLength) throw validationError(field, `must be at least ${rule.minLength} characters long`);
  if (rule.maxLength !== undefined && v.length > rule.maxLength) throw validationError(field, `must be at most ${rule.maxLength} characters long`);
  if (rule.pattern && !rule.pattern.test(v)) throw validationError(field, `must match the pattern ${rule.pattern.source}`);
  if (rule.oneOf && !rule.oneOf.includes(v)) throw validationError(field, `must be one of ${rule.oneOf.join(', ')}`);
  return v;
}

/** A UUID field in canonical form. */
export function uuid(o: JsonObject, key: string, rule: { required?: boolean } = {}, prefix = ''): string | undefined {
  const v = str(o, key, rule, prefix);
  if (v === undefined || (v === '' && !rule.required)) return undefined;
  const id = canonicalUuid(v);
  if (id === undefined) throw validationError(prefix + key, 'must be a UUID');
  return id;
}

export interface IntRule {
  required?: boolean;
  min?: number;
  max?: number;
}

/** An integer field (int32 range unless `max` says otherwise). */
export function int(o: JsonObject, key: string, rule: IntRule = {}, prefix = ''): number | undefined {
  const field = prefix + key;
  const v = o[key];
  if (v === undefined || v === null) {
    if (rule.required) throw validationError(field, 'is required');
    return undefined;
  }
  return intValue(v, field, rule);
}

function intValue(v: unknown, field: string, rule: IntRule): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw validationError(field, 'must be an integer');
  const min = rule.min ?? -INT32_MAX - 1;
  const max = rule.max ?? INT32_MAX;
  if (v < min) throw validationError(field, `must be at least ${min}`);
  if (v > max) throw validationError(field, `must be at most ${max}`);
  return v;
}

export function bool(o: JsonObject, key: string, prefix = ''): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw validationError(prefix + key, 'must be a boolean');
  return v;
}

/** `{string: string}`; null counts as absent. */
export function stringMap(o: JsonObject, key: string, prefix = ''): StringMap | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return stringMapValue(v, prefix + key);
}

export function stringMapValue(v: unknown, field: string): StringMap {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw validationError(field, 'must be an object of strings');
  const out: StringMap = {};
  for (const [k, item] of Object.entries(v as JsonObject)) {
    if (typeof item !== 'string') throw validationError(`${field}.${k}`, 'must be a string');
    if (item.includes('\u0000') || k.includes('\u0000')) throw validationError(`${field}.${k}`, 'must not contain NUL characters');
    out[k] = item;
  }
  return out;
}

export function stringArray(o: JsonObject, key: string, prefix = ''): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const field = prefix + key;
  if (!Array.isArray(v)) throw validationError(field, 'must be an array of strings');
  return v.map((item, i) => {
    if (typeof item !== 'string') throw validationError(`${field}.${i}`, 'must be a string');
    if (item.includes('\u0000')) throw validationError(`${field}.${i}`, 'must not contain NUL characters');
    return item;
  });
}

/** An array of UUIDs (canonicalised). */
export function uuidArray(o: JsonObject, key: string, prefix = ''): string[] | undefined {
  const list = stringArray(o, key, prefix);
  return list?.map((s, i) => {
    const id = canonicalUuid(s);
    if (id === undefined) throw validationError(`${prefix}${key}.${i}`, 'must be a UUID');
    return id;
  });
}

/** Process counts: `{type: integer ≥ 0}`. */
export function countMap(o: JsonObject, key: string, prefix = ''): ProcessCounts | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const field = prefix + key;
  if (typeof v !== 'object' || Array.isArray(v)) throw validationError(field, 'must be an object of integers');
  const out: ProcessCounts = {};
  for (const [k, n] of Object.entries(v as JsonObject)) {
    if (k === '' || k.includes('\u0000')) throw validationError(field, 'has an invalid process type');
    out[k] = intValue(n, `${field}.${k}`, { min: 0, max: 100_000 });
  }
  return out;
}

/** Process tags: `{type: {key: value}}`. */
export function tagsMap(o: JsonObject, key: string, prefix = ''): ProcessTags | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const field = prefix + key;
  if (typeof v !== 'object' || Array.isArray(v)) throw validationError(field, 'must be an object');
  const out: ProcessTags = {};
  for (const [k, tags] of Object.entries(v as JsonObject)) {
    if (k.includes('\u0000')) throw validationError(field, 'has an invalid process type');
    out[k] = tags === null ? {} : stringMapValue(tags, `${field}.${k}`);
  }
  return out;
}

/** Any JSON object (e.g. an image manifest), checked to be storable. */
export function jsonObject(o: JsonObject, key: string, prefix = ''): JsonObject | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const field = prefix + key;
  if (typeof v !== 'object' || Array.isArray(v)) throw validationError(field, 'must be an object');
  checkStorable(v, field);
  return v as JsonObject;
}
