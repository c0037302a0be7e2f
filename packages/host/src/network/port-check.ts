import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { boundPorts } from './core/proc-net.js';
import type { Proto } from './core/proc-net.js';

export interface PortCheckOptions {
  /**
   * Directory with the tcp/tcp6/udp/udp6 tables; default `/proc/self/net`
   * (the daemon's own network namespace, i.e. the host's). `/proc/<pid>/net`
   * checks the namespace of another process.
   */
  procNetDir?: string;
}

/**
 * Whether a host port is taken: a TCP socket listening on it, or a UDP socket
 * bound to it, on any address, IPv4 or IPv6. What `/host/resource-check`
 * answers a conflict for. (The original checked by trying to bind; reading
 * /proc/net does not race with the port's real owner and needs no privileges.)
 */
export async function portInUse(port: number, proto: Proto, opts: PortCheckOptions = {}): Promise<boolean> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port ${port}`);
  const dir = opts.procNetDir ?? '/proc/self/net';
  for (const table of [proto, `${proto}6`]) {
    let text: string;
    try {
      text = await readFile(join(dir, table), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // no IPv6 in this kernel
      throw err;
    }
    if (boundPorts(text, proto).has(port)) return true;
  }
  return false;
}

/** The ports of `wanted` that are taken (empty when all are free). */
export async function portsInUse(wanted: readonly { port: number; proto?: Proto }[], opts: PortCheckOptions = {}): Promise<{ port: number; proto: Proto }[]> {
  const taken: { port: number; proto: Proto }[] = [];
  for (const w of wanted) {
    const proto = w.proto ?? 'tcp';
    if (await portInUse(w.port, proto, opts)) taken.push({ port: w.port, proto });
  }
  return taken;
}
