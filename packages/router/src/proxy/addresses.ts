/** Small helpers about where a request comes from and goes to. */
import type { Socket } from 'node:net';

/** The path of an absolute-form or asterisk-form request-target, for route matching. */
export function routingTarget(target: string): string {
  if (target === '*') return '/';
  const scheme = target.indexOf('://');
  const slash = scheme === -1 ? -1 : target.indexOf('/', scheme + 3);
  return slash === -1 ? '/' : target.slice(slash);
}

/** The client's IP without the IPv4-mapped prefix. */
export function clientAddress(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
