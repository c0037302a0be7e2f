/**
 * Instance identity and the checks the original discoverd runs on an instance
 * PUT (discoverd/client/instance.go `Valid`), with its exact messages.
 */
import { createHash } from 'node:crypto';

/** The instance id the original derives: hex MD5 of `${proto}-${addr}`. */
export function instanceId(proto: string, addr: string): string {
  return createHash('md5').update(`${proto}-${addr}`, 'utf8').digest('hex');
}

export type SplitHostPort = { ok: true; host: string; port: string } | { ok: false; message: string };

/**
 * Go's `net.SplitHostPort`, with its error text (`address x: missing port in
 * address`, ...). Accepts `host:port`, `[v6]:port`, `:port` and `host:`.
 */
export function splitHostPort(hostport: string): SplitHostPort {
  const fail = (why: string): SplitHostPort => ({ ok: false, message: hostport === '' ? why : `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(':');
  if (i < 0) return fail('missing port in address');
  let host: string;
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

export const SERVICE_NAME_EMPTY = 'discoverd: service name must not be empty';
export const SERVICE_NAME_INVALID = 'discoverd: service must be lowercase alphanumeric plus dash';
export const PROTO_EMPTY = 'discoverd: proto must be set';
export const PROTO_INVALID = 'discoverd: proto must be lowercase alphanumeric';

/** The original's `ValidServiceName`: the error message, or undefined when valid. */
export function serviceNameError(service: string): string | undefined {
  if (service === '') return SERVICE_NAME_EMPTY;
  return /^[a-z0-9-]+$/.test(service) ? undefined : SERVICE_NAME_INVALID;
}

/**
 * The original's `Instance.Valid`: proto set and lowercase alphanumeric, addr
 * a `host:port`, id = {@link instanceId}. Returns the error message, or
 * undefined when valid.
 */
export function instanceError(inst: { id: string; addr: string; proto: string }): string | undefined {
  if (inst.proto === '') return PROTO_EMPTY;
  if (!/^[a-z0-9]+$/.test(inst.proto)) return PROTO_INVALID;
  const split = splitHostPort(inst.addr);
  if (!split.ok) return split.message;
  const expected = instanceId(inst.proto, inst.addr);
  if (inst.id !== expected) return `discoverd: instance id is incorrect, expected ${expected}`;
  return undefined;
}
