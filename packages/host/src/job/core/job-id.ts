/**
 * Job ids. The original makes them `<hostID>-<uuid>` (cluster.GenerateJobID);
 * any id matching {@link JOB_ID_PATTERN} is accepted, since an id names a
 * state file, a netns and a cgroup: letters, digits, `_`, `.`, `-`, starting
 * with a letter or digit, at most 128 characters.
 */
import type { Random } from '@flynn-ts/core';

export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function isValidJobId(id: string): boolean {
  return JOB_ID_PATTERN.test(id);
}

/** A new `<hostId>-<uuid v4>` from the injected randomness. */
export function newJobId(hostId: string, random: Random): string {
  return `${hostId}-${uuidV4(random)}`;
}

/** An RFC 4122 version 4 UUID drawn from `random`. */
export function uuidV4(random: Random): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 4) {
    const n = random.uint32();
    bytes[i] = n >>> 24;
    bytes[i + 1] = (n >>> 16) & 0xff;
    bytes[i + 2] = (n >>> 8) & 0xff;
    bytes[i + 3] = n & 0xff;
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
