/**
 * Input checks of the original discoverd, with its exact messages: service
 * names, the original's `Instance.Valid` (proto, then addr, then id) and the
 * instance meta map. The one place these rules live: the HTTP API, the store,
 * the client SDK and the in-memory fake all call them.
 *
 * Each function returns the error message, or `undefined` when the input is
 * valid, so callers choose how to fail.
 */
import { instanceId } from './instance-id.js';

export const SERVICE_NAME_EMPTY = 'discoverd: service name must not be empty';
export const SERVICE_NAME_INVALID = 'discoverd: service must be lowercase alphanumeric plus dash';
export const PROTO_EMPTY = 'discoverd: proto must be set';
export const PROTO_INVALID = 'discoverd: proto must be lowercase alphanumeric';
export const META_NOT_STRINGS = 'discoverd: instance meta values must be strings';

const SERVICE_NAME = /^[a-z0-9-]+$/;
const PROTO = /^[a-z0-9]+$/;

/** The original's `ValidServiceName`: `[a-z0-9-]+`. */
export function serviceNameProblem(service: string): string | undefined {
  if (service === '') return SERVICE_NAME_EMPTY;
  return SERVICE_NAME.test(service) ? undefined : SERVICE_NAME_INVALID;
}

/** The original's `validProto`: set, and `[a-z0-9]+`. */
export function protoProblem(proto: string): string | undefined {
  if (proto === '') return PROTO_EMPTY;
  return PROTO.test(proto) ? undefined : PROTO_INVALID;
}

export type SplitHostPort = { ok: true; host: string; port: string } | { ok: false; message: string };

/**
 * Go's `net.SplitHostPort`, with its error text (`address x: missing port in
 * address`, ...; just the reason for an empty input, as Go's `AddrError`).
 * Accepts `host:port`, `[v6]:port`, `:port` and `host:`.
 */
export function splitHostPort(hostport: string): SplitHostPort {
  const fail = (why: string): SplitHostPort => ({ ok: false, message: hostport === '' ? why : `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(':');
  if (i < 0) return fail('missing port in address');
  let host: string;
  // Like Go: j and k are where '[' and ']' may no longer appear.
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === hostport.length) return fail('missing port in address');
    if (end + 1 !== i) return fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return fail('too many colons in address');
  }
  if (hostport.slice(j).includes('[')) return fail("unexpected '[' in address");
  if (hostport.slice(k).includes(']')) return fail("unexpected ']' in address");
  return { ok: true, host, port: hostport.slice(i + 1) };
}

/** Go's `net.SplitHostPort` as the original runs it on `addr`, with Go's messages. */
export function addrProblem(addr: string): string | undefined {
  const split = splitHostPort(addr);
  return split.ok ? undefined : split.message;
}

/** Instance meta must be a map of strings (Go decodes it into `map[string]string`). */
export function metaProblem(meta: unknown): string | undefined {
  if (meta === undefined || meta === null) return undefined;
  if (typeof meta !== 'object' || Array.isArray(meta)) return META_NOT_STRINGS;
  for (const v of Object.values(meta)) if (typeof v !== 'string') return META_NOT_STRINGS;
  return undefined;
}

/** The original's `Instance.Valid`, in its order: proto, addr, then id = {@link instanceId}. */
export function instanceProblem(inst: { id: string; addr: string; proto: string }): string | undefined {
  const proto = protoProblem(inst.proto);
  if (proto) return proto;
  const addr = addrProblem(inst.addr);
  if (addr) return addr;
  const expected = instanceId(inst.proto, inst.addr);
  if (inst.id !== expected) return `discoverd: instance id is incorrect, expected ${expected}`;
  return undefined;
}

/** What the store checks before writing a registration: {@link instanceProblem}, then the meta map. */
export function registrationProblem(inst: { id: string; addr: string; proto: string; meta?: unknown }): string | undefined {
  return instanceProblem(inst) ?? metaProblem(inst.meta);
}
