/**
 * Instance identity: the id discoverd derives for an instance, `hex(md5(proto
 * + "-" + addr))`, the only id it accepts for that instance. One definition
 * for the server's checks, the client, the in-memory fake and the tests.
 */
import { md5Hex } from './md5.js';

/** Hex MD5 of `${proto}-${addr}`: the only id discoverd accepts for that instance. */
export function instanceId(proto: string, addr: string): string {
  return md5Hex(`${proto}-${addr}`);
}
