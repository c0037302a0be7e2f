/**
 * The DNS server under benchmark: DnsServer with a static view of `svc` (3 IPv4 instances by default).
 * Run: node --conditions=@flynn-ts/source --import tsx packages/discovery/bench/dns-bench-server.ts --port 5353 [--instances 3] [--host 127.0.0.1]
 *      [--workers N]
 * With --workers N, UDP is answered by a DnsWorkerPool of N processes (what `discoverd --dns-workers N` runs) that
 * follow the same service through an HTTP API on 127.0.0.1 (an in-memory store holding the same instances); TCP
 * is not served. Exits on SIGTERM/SIGINT. Prints "ready <udp port> <pid,pid,...>" on stdout when listening (the PIDs
 * of every process answering: this one, plus the workers).
 */
import { parseArgs } from 'node:util';
import type { Instance } from '../src/core/types.js';
import { instanceId } from '../src/core/instance-id.js';
import { DnsServer } from '../src/dns/dns-server.js';
import { DnsWorkerPool } from '../src/dns/dns-worker-pool.js';
import { staticDnsView } from '../src/dns/static-dns-view.js';
import { MemoryDiscoveryStore } from '../src/testing/memory-discovery-store.js';
import { serveMemoryDiscovery } from '../src/testing/memory-discovery-server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5353' },
    host: { type: 'string', default: '127.0.0.1' },
    instances: { type: 'string', default: '3' },
    workers: { type: 'string', default: '0' },
  },
});

const instances: Instance[] = [];
for (let i = 0; i < Number(values.instances); i++) {
  const addr = `10.0.0.${i + 1}:${5000 + i}`;
  instances.push({ id: instanceId('tcp', addr), addr, proto: 'tcp', index: i + 1 });
}
const workers = Number(values.workers);
let stop: () => Promise<void>;
if (workers > 0) {
  const store = new MemoryDiscoveryStore({ ttlMs: 365 * 24 * 3600_000 });
  store.addService('svc', { leader_type: 'oldest' });
  for (const i of instances) store.register('svc', { id: i.id, addr: i.addr, proto: i.proto });
  const api = await serveMemoryDiscovery(store);
  const pool = await DnsWorkerPool.start({ workers, udpAddr: `${values.host}:${values.port}`, apiUrl: api.url, logLevel: 'warn' });
  process.stdout.write(`ready ${pool.udpAddress.port} ${[process.pid, ...pool.pids].join(',')}\n`);
  stop = async () => {
    await pool.close();
    await api.close();
    store.close();
  };
} else {
  const server = new DnsServer({
    view: staticDnsView({ svc: instances }),
    udpAddr: `${values.host}:${values.port}`,
    tcpAddr: `${values.host}:${values.port}`,
  });
  await server.start();
  process.stdout.write(`ready ${server.udpAddress?.port} ${process.pid}\n`);
  stop = () => server.close();
}
const onSignal = () => {
  void stop().then(() => process.exit(0));
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
