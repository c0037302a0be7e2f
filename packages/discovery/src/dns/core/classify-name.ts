/**
 * Which discoverd name a query asks for (reference §1.7), from the
 * canonical lowercase text of the name:
 *
 * | name (under `discoverd.`)  | kind                               |
 * |----------------------------|------------------------------------|
 * | (the apex itself)          | `apex`                             |
 * | `<service>`                | `service`                          |
 * | `_<service>._<proto>`      | `service` with `proto`             |
 * | `leader.<service>`         | `leader`                           |
 * | `<id>.<service>._i`        | `instance`                         |
 * | anything else              | `unknown` (NXDOMAIN)               |
 * | not under `discoverd.`     | `outside` (forwarded to recursors) |
 *
 * The checks run in the original's order, so `_leader._tcp` is an
 * RFC 2782 name and `leader._x` a leader lookup of service `_x`.
 */
import { DNS_ZONE } from './dns-view.js';

export type DnsTarget =
  | { kind: 'outside' }
  | { kind: 'apex' }
  | { kind: 'unknown' }
  | { kind: 'service'; service: string; proto: string | undefined }
  | { kind: 'leader'; service: string }
  | { kind: 'instance'; service: string; id: string };

const OUTSIDE: DnsTarget = { kind: 'outside' };
const APEX: DnsTarget = { kind: 'apex' };
const UNKNOWN: DnsTarget = { kind: 'unknown' };
const SUFFIX = '.' + DNS_ZONE;

export function classifyName(text: string): DnsTarget {
  if (!text.endsWith(SUFFIX)) return text === DNS_ZONE ? APEX : OUTSIDE;
  const rest = text.slice(0, text.length - SUFFIX.length);
  const dot = rest.indexOf('.');
  if (dot < 0) return { kind: 'service', service: rest, proto: undefined };
  const labels = rest.split('.');
  const a = labels[0]!;
  const b = labels[1]!;
  if (labels.length === 2 && a.startsWith('_') && b.startsWith('_')) {
    return { kind: 'service', service: a.slice(1), proto: b.slice(1) };
  }
  if (labels.length === 3 && labels[2] === '_i') return { kind: 'instance', service: b, id: a };
  if (labels.length === 2 && a === 'leader') return { kind: 'leader', service: b };
  return UNKNOWN;
}
