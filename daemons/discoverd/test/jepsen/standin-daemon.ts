/**
 * TEMPORARY stand-in for daemons/discoverd/src/main.ts while it is being
 * written: the same flags (--data-dir --host --addr --peers [--ttl MS]),
 * a DiscoveryNode with the discoverd HTTP API and raft on one server.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { getRequestListener } from '@hono/node-server';
import { DiscoveryNode } from '../../../../packages/discovery/src/server/discovery-node.js';
import { createDiscoveryApi } from '../../../../packages/discovery/src/server/http-api.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    host: { type: 'string' },
    addr: { type: 'string' },
    peers: { type: 'string' },
    ttl: { type: 'string' },
    'log-level': { type: 'string' },
  },
});
const listenAddr = values.addr!;
const port = Number(listenAddr.slice(listenAddr.lastIndexOf(':') + 1));
const advertise = `${values.host!}:${port}`;
const node = await DiscoveryNode.start({
  advertise,
  peers: values.peers!.split(','),
  dataDir: values['data-dir']!,
  ...(values.ttl ? { ttlMs: Number(values.ttl) } : {}),
});
const app = createDiscoveryApi(node.backend());
const listener = getRequestListener((req) => app.fetch(req), { overrideGlobalObjects: false });
const server = createServer((req, res) => {
  if (node.raftHandler(req, res)) return;
  void listener(req, res);
});
server.listen(port, listenAddr.slice(0, listenAddr.lastIndexOf(':')));
process.on('SIGTERM', () => {
  void node.shutdown().finally(() => process.exit(0));
});
