/**
 * What the DNS answers read: a synchronous view of services' instances and
 * leaders, with each instance's address pre-parsed for the wire.
 */
import type { Instance } from '../../core/types.js';
import { DnsName } from './dns-name.js';
import { formatIp, parseIp, splitHostPort } from './ip.js';

/** The DNS zone discoverd answers for. */
export const DNS_ZONE = 'discoverd.';

/** An instance as DNS needs it; built once per instance by {@link dnsInstance}. */
export interface DnsInstance {
  readonly instance: Instance;
  /** 4 for IPv4 (IPv4-mapped IPv6 included), 6 for IPv6, 0 when the host is not an IP literal. */
  readonly family: 0 | 4 | 6;
  /** 4 or 16 bytes; empty when `family` is 0. */
  readonly address: Uint8Array;
  /** Canonical address text (the host itself when `family` is 0): answers carry one record per distinct key. */
  readonly key: string;
  /** The port of `addr`, 0 if it has none. */
  readonly port: number;
  /** `<id>.<service>._i.discoverd.`, or undefined if the id cannot be a DNS label. */
  readonly target: DnsName | undefined;
}

/**
 * The DNS server's read model. Every method is synchronous (a cached
 * snapshot): it runs on the hot path and must not block or throw. Returned
 * arrays and objects belong to the view; callers must not modify them.
 */
export interface DnsView {
  /** Live instances in index order; undefined when the service is unknown. */
  instances(service: string): readonly DnsInstance[] | undefined;
  /** The service's leader, or undefined (no leader, or unknown service). */
  leader(service: string): DnsInstance | undefined;
  /**
   * Optional: a promise when the view cannot answer for `service` yet (it is
   * loading it), undefined when it can. The server waits for it, bounded,
   * before answering; a rejection or a timeout answers SERVFAIL.
   */
  whenReady?(service: string): Promise<void> | undefined;
}

const EMPTY = new Uint8Array(0);

/** Parses an instance's address once for DNS. */
export function dnsInstance(service: string, instance: Instance): DnsInstance {
  const hp = splitHostPort(instance.addr);
  const host = hp?.host ?? instance.addr;
  const ip = parseIp(host);
  let target: DnsName | undefined;
  try {
    target = DnsName.parse(`${instance.id}.${service}._i.${DNS_ZONE}`);
  } catch {
    target = undefined;
  }
  return {
    instance,
    family: ip === undefined ? 0 : ip.length === 4 ? 4 : 6,
    address: ip ?? EMPTY,
    key: ip === undefined ? host : formatIp(ip),
    port: hp?.port ?? 0,
    target,
  };
}
