/**
 * Client-side address handling: the expansion of a bare `:port` address with
 * the host's external IP, and the proto check run before any request. The
 * instance id itself is `instanceId` from the core (one definition for
 * client and server).
 */
import { protoProblem } from '../core/validate.js';
import { discoveryValidationError } from './errors.js';

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

/** Checks a proto as the server does (set, lowercase alphanumeric), so a bad one fails before any request. */
export function checkProto(proto: string): void {
  const problem = protoProblem(proto);
  if (problem) throw discoveryValidationError('proto', problem);
}
