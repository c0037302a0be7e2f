/**
 * The DNS server under benchmark: DnsServer with a static view of `svc` (3 IPv4 instances by default).
 * Run: node --conditions=@flynn-ts/source --import tsx packages/discovery/bench/dns-bench-server.ts --port 5353 [--instances 3] [--host 127.0.0.1]
 * Exits on SIGTERM/SIGINT. Prints "ready <udp port>" on stdout when listening.
 */
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import type { Instance } from '../src/core/types.js';
import { DnsServer } from '../src/dns/dns-server.js';
import { staticDnsView } from '../src/dns/static-dns-view.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5353' },
    host: { type: 'string', default: '127.0.0.1' },
    instances: { type: 'string', default: '3' },
  },
});

const instances: Instance[] = [];
for (let i = 0; i < Number(values.instances); i++) {
  const addr = `10.0.0.${i + 1}:${5000 + i}`;
  instances.push({ id: createHash('md5').update(`tcp-${addr}`).digest('hex'), addr, proto: 'tcp', index: i + 1 });
}
const server = new DnsServer({
  view: staticDnsView({ svc: instances }),
  udpAddr: `${values.host}:${values.port}`,
  tcpAddr: `${values.host}:${values.port}`,
});
await server.start();
process.stdout.write(`ready ${server.udpAddress?.port}\n`);
const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
