/**
 * Which local ports are bound, from the text of /proc/net/{tcp,tcp6,udp,udp6}:
 * the data behind `/host/resource-check` (is a port a job wants free on the host?).
 *
 * Line format (after one header line):
 * `  sl  local_address rem_address   st tx_queue:rx_queue ...`, e.g.
 * `   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 ...` — the local port
 * is the hex after the colon, `st` 0A is TCP LISTEN; for UDP every bound
 * socket counts.
 */

export type Proto = 'tcp' | 'udp';

const TCP_LISTEN = '0A';

/** The local ports bound in one /proc/net table (listening sockets only, for TCP). */
export function boundPorts(table: string, proto: Proto): Set<number> {
  const ports = new Set<number>();
  const lines = table.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    if (!local || !state) continue;
    const colon = local.lastIndexOf(':');
    if (colon < 0) continue;
    const port = Number.parseInt(local.slice(colon + 1), 16);
    if (!Number.isInteger(port)) continue;
    if (proto === 'tcp' && state.toUpperCase() !== TCP_LISTEN) continue;
    ports.add(port);
  }
  return ports;
}
