/**
 * Request bodies, decoded the way the original's Go handlers decode them
 * (`hh.DecodeJSON` / `json.NewDecoder(...).Decode` into a struct):
 *
 * - not JSON, or a field of the wrong JSON type → 400 `syntax_error`
 *   "The provided JSON input is invalid" (Go's `*json.SyntaxError` and
 *   `*json.UnmarshalTypeError` both map there);
 * - `null` (the whole body or a field) leaves the zero value; unknown fields
 *   are ignored;
 * - `hh.DecodeJSON` also wants a Content-Type containing `application/json`
 *   (400 `validation_error`), which instance PUT does not check.
 *
 * Fixed on purpose: an empty body (Go: `io.EOF` → 500) is a `syntax_error`,
 * trailing data after the JSON value is rejected instead of ignored, and bodies
 * over the limit are refused with `request_body_too_big`.
 */
import { FlynnError } from '@flynn-ts/core';
import type { LeaderType } from '../core/types.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function syntaxErr(): FlynnError {
  return new FlynnError('FLYNN_DISCOVERY_SYNTAX', 'The provided JSON input is invalid', { apiCode: 'syntax_error' });
}

export function validationErr(message: string): FlynnError {
  return new FlynnError('FLYNN_DISCOVERY_VALIDATION', message, { apiCode: 'validation_error' });
}

function tooBig(): FlynnError {
  return new FlynnError('FLYNN_DISCOVERY_BODY_TOO_BIG', 'The provided request body is too big', { apiCode: 'request_body_too_big' });
}

/** `hh.DecodeJSON`'s Content-Type check (a substring match, as in Go). */
export function requireJsonContentType(req: Request): void {
  if (!(req.headers.get('content-type') ?? '').includes('application/json')) {
    throw validationErr('Content-Type must be application/json');
  }
}

/** Reads the body as UTF-8 text, refusing more than `limit` bytes. */
export async function readBody(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > limit) throw tooBig();
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Parses a JSON body into a struct-like object: `null` becomes `{}`; arrays and scalars are a type error. */
export function parseStruct(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw syntaxErr();
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw syntaxErr();
  return value as Record<string, unknown>;
}

/** A Go `string` field: absent or null → ''. */
function str(obj: Record<string, unknown>, key: string): string {
  const v = obj[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw syntaxErr();
  return v;
}

/** A Go `uint64` field: absent or null → 0. */
function uint(obj: Record<string, unknown>, key: string): number {
  const v = obj[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** 64) throw syntaxErr();
  return v;
}

/** A Go `map[string]string` field: absent or null → undefined; null values → ''. */
function stringMap(obj: Record<string, unknown>, key: string): Record<string, string> | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw syntaxErr();
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x !== null && typeof x !== 'string') throw syntaxErr();
    // defineProperty keeps a `__proto__` key as data, as Go would.
    Object.defineProperty(out, k, { value: x ?? '', enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * `PUT /services/:service` body. `leader_type` "" or absent means `oldest`
 * (as observed). Fixed: any other value than oldest/manual is a
 * `validation_error` (the original stored it and treated it as oldest).
 */
export function decodeServiceConfig(text: string): { leader_type: LeaderType } {
  const type = str(parseStruct(text), 'leader_type');
  if (type === '' || type === 'oldest') return { leader_type: 'oldest' };
  if (type === 'manual') return { leader_type: 'manual' };
  throw validationErr('discoverd: leader_type must be "oldest" or "manual"');
}

/** An instance body (instance PUT, and leader PUT which only uses `id`). */
export interface DecodedInstance {
  id: string;
  addr: string;
  proto: string;
  meta?: Record<string, string>;
}

export function decodeInstance(text: string): DecodedInstance {
  const obj = parseStruct(text);
  const out: DecodedInstance = { id: str(obj, 'id'), addr: str(obj, 'addr'), proto: str(obj, 'proto') };
  const meta = stringMap(obj, 'meta');
  uint(obj, 'index'); // type-checked as the original does, then ignored
  if (meta && Object.keys(meta).length > 0) out.meta = meta;
  return out;
}

/** `PUT /services/:service/meta` body: `{data, index, leader_id?}`; `data` absent → null. */
export function decodeMetaWrite(text: string): { data: unknown; index: number; leader_id?: string } {
  const obj = parseStruct(text);
  const out: { data: unknown; index: number; leader_id?: string } = { data: obj.data === undefined ? null : obj.data, index: uint(obj, 'index') };
  const leaderId = str(obj, 'leader_id');
  if (leaderId !== '') out.leader_id = leaderId;
  return out;
}
