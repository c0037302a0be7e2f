/**
 * Input checks of the original discoverd, with its exact messages. Pure: the
 * instance-id check (an MD5) needs `node:crypto` and lives in
 * `server/store-validate.ts`.
 *
 * Each function returns the error message, or `undefined` when the input is
 * valid, so callers choose how to fail.
 */

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

/** Go's `net.SplitHostPort` as the original runs it on `addr`, with Go's messages. */
export function addrProblem(addr: string): string | undefined {
  const fail = (why: string) => `address ${addr}: ${why}`;
  const colon = addr.lastIndexOf(':');
  if (colon < 0) return fail('missing port in address');
  // Like Go: j and k are where '[' and ']' may no longer appear.
  let j = 0;
  let k = 0;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0) return fail("missing ']' in address");
    if (close + 1 === addr.length) return fail('missing port in address');
    if (close + 1 !== colon) return fail(addr[close + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    j = 1;
    k = close + 1;
  } else if (addr.slice(0, colon).includes(':')) {
    return fail('too many colons in address');
  }
  if (addr.slice(j).includes('[')) return fail("unexpected '[' in address");
  if (addr.slice(k).includes(']')) return fail("unexpected ']' in address");
  return undefined;
}

/** Instance meta must be a map of strings (Go decodes it into `map[string]string`). */
export function metaProblem(meta: unknown): string | undefined {
  if (meta === undefined || meta === null) return undefined;
  if (typeof meta !== 'object' || Array.isArray(meta)) return META_NOT_STRINGS;
  for (const v of Object.values(meta)) if (typeof v !== 'string') return META_NOT_STRINGS;
  return undefined;
}
