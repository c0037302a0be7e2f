/**
 * Names of what the network module creates for a job: its network namespace
 * (`/run/netns/flynn-<id>`), the host end of its veth pair, and its MAC.
 */
import type { Random } from '@flynn-ts/core';
import { parseIpv4 } from './ipv4.js';

const NETNS_ID_MAX = 48;

/** 32-bit FNV-1a over the UTF-16 code units, as 8 hex digits. */
export function fnv1a32(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * `flynn-<job id>` when the id is short and made of `[A-Za-z0-9_.-]` (and is
 * not `.`/`..`); otherwise a cleaned prefix plus a hash of the whole id, so two
 * ids never share a namespace by being cleaned to the same text.
 */
export function netnsName(jobId: string): string {
  const clean = jobId.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (clean === jobId && jobId.length > 0 && jobId.length <= NETNS_ID_MAX && !/^\.+$/.test(jobId)) return `flynn-${jobId}`;
  return `flynn-${clean.slice(0, 32).replace(/^\.+/, '_')}-${fnv1a32(jobId)}`;
}

/** Host-side veth name for a job IP: `fl` + the address in hex (10 chars, under IFNAMSIZ). Unique per host as IPs are. */
export function hostVethName(ip: string): string {
  const n = parseIpv4(ip);
  if (n === undefined) throw new RangeError(`not an IPv4 address: ${ip}`);
  return `fl${n.toString(16).padStart(8, '0')}`;
}

/** A random locally administered MAC `fe:xx:xx:xx:xx:xx` (the original's format). */
export function randomMac(random: Random): string {
  const bytes = ['fe'];
  for (let i = 0; i < 5; i++) bytes.push(random.int(256).toString(16).padStart(2, '0'));
  return bytes.join(':');
}

/** Linux interface names: 1..15 bytes, no `/`, whitespace or `:`, not `.`/`..`. */
export function validIfName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(name) && name !== '.' && name !== '..';
}
