/**
 * Validation of the small host-level request bodies (`/host/discoverd`,
 * `/host/network`, `/host/tags`, `/host/resource-check`): 400 naming the
 * field, unknown fields dropped.
 */
import type { HostDiscoverd, HostNetwork } from '../types.js';
import { checkInt, checkString, invalid, isObject, optInt, optObjectArray, optString, optStringArray, put } from '../job/core/fields.js';

export function parseDiscoverdBody(body: unknown): HostDiscoverd {
  if (!isObject(body)) invalid('body', 'must be a JSON object');
  const url = optString(body, 'url', '') ?? '';
  if (url !== '' && !isHttpUrl(url)) invalid('url', 'must be an http(s) URL');
  const out: HostDiscoverd = { url };
  put(out, 'dns', optString(body, 'dns', ''));
  put(out, 'job_id', optString(body, 'job_id', ''));
  return out;
}

export function parseNetworkBody(body: unknown): HostNetwork {
  if (!isObject(body)) invalid('body', 'must be a JSON object');
  const subnet = optString(body, 'subnet', '');
  if (subnet === undefined || subnet === '') invalid('subnet', 'is required');
  if (!isIpv4Cidr(subnet)) invalid('subnet', 'must be an IPv4 address with a prefix length, e.g. 100.100.23.1/24');
  const out: HostNetwork = { subnet };
  const mtu = optInt(body, 'mtu', '', 0, 65535);
  if (mtu !== undefined && mtu !== 0) {
    if (mtu < 576) invalid('mtu', 'must be between 576 and 65535');
    out.mtu = mtu;
  }
  const resolvers = optStringArray(body, 'resolvers', '', { nonEmpty: true });
  if (resolvers && resolvers.length > 0) out.resolvers = resolvers;
  put(out, 'job_id', optString(body, 'job_id', ''));
  return out;
}

/** A tags map; values are strings (an empty one deletes the tag). */
export function parseTagsBody(body: unknown): Record<string, string> {
  if (!isObject(body)) invalid('body', 'must be a JSON object of string tags');
  const entries: [string, string][] = [];
  for (const [k, v] of Object.entries(body)) {
    if (k === '') invalid('body', 'tag names must not be empty');
    if (v === null) continue;
    entries.push([k, checkString(v, k)]);
  }
  return Object.fromEntries(entries);
}

export function parseResourceCheckBody(body: unknown): { ports: { port: number; proto: 'tcp' | 'udp' }[] } {
  if (!isObject(body)) invalid('body', 'must be a JSON object');
  const ports =
    optObjectArray(body, 'ports', '', (p, path) => {
      const port = checkInt(p.port, `${path}.port`, 0, 65535);
      const proto = optString(p, 'proto', path) || 'tcp';
      if (proto !== 'tcp' && proto !== 'udp') invalid(`${path}.proto`, 'must be "tcp" or "udp"');
      return { port, proto: proto as 'tcp' | 'udp' };
    }) ?? [];
  return { ports };
}

/** `?lines=` (a non-negative integer) and `?follow=` (a boolean) of the log route. */
export function parseLogQuery(query: Record<string, string | undefined>): { lines?: number; follow: boolean; format: 'json' | 'text' } {
  const out: { lines?: number; follow: boolean; format: 'json' | 'text' } = { follow: parseBool(query.follow, 'follow'), format: 'json' };
  if (query.lines !== undefined && query.lines !== '') {
    if (!/^\d{1,9}$/.test(query.lines)) invalid('lines', 'must be a non-negative integer');
    out.lines = Number(query.lines);
  }
  if (query.format !== undefined && query.format !== '') {
    if (query.format !== 'json' && query.format !== 'text') invalid('format', 'must be "json" or "text"');
    out.format = query.format;
  }
  return out;
}

export function parseBool(value: string | undefined, field: string): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  invalid(field, 'must be true or false');
}

/** `PUT /host/jobs/:id/signal/:signal`: a signal number 1-64 (field `sig`, as the original). */
export function parseSignal(text: string): number {
  if (!/^\d{1,3}$/.test(text)) invalid('sig', 'must be an integer');
  const n = Number(text);
  if (n < 1 || n > 64) invalid('sig', 'must be between 1 and 64');
  return n;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function isIpv4Cidr(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) && Number(m[5]) <= 32;
}
