/**
 * Client-side instance identity: the id discoverd expects for an instance, and
 * the expansion of a bare `:port` address with the host's external IP.
 */
import { createHash } from 'node:crypto';
import { discoveryValidationError } from './errors.js';

/** Hex MD5 of `${proto}-${addr}`: the only id discoverd accepts for that instance. */
export function instanceId(proto: string, addr: string): string {
  return createHash('md5').update(`${proto}-${addr}`, 'utf8').digest('hex');
}

/**
 * Fills a leading `:` (`":8080"`) with `externalIp` (IPv6 in brackets), as the
 * original client does with `EXTERNAL_IP`. Throws a validation error for a
 * bare port without an external IP, or an empty address.
 */
export function expandAddr(addr: string, externalIp: string | undefined): string {
  if (addr === '') throw discoveryValidationError('addr', 'discovery: instance addr must not be empty');
  if (!addr.startsWith(':')) return addr;
  if (externalIp === undefined || externalIp === '') {
    throw discoveryValidationError('addr', `discovery: addr ${addr} has no host and no externalIp option was given`);
  }
  const host = externalIp.includes(':') && !externalIp.startsWith('[') ? `[${externalIp}]` : externalIp;
  return host + addr;
}

const PROTO = /^[a-z0-9]+$/;

/** Checks a proto as the server would (lowercase alphanumeric), so a bad one fails before any request. */
export function checkProto(proto: string): void {
  if (!PROTO.test(proto)) throw discoveryValidationError('proto', 'discoverd: proto must be lowercase alphanumeric');
}
