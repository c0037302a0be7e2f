// The replicated counter from docs/raft.md (kept compiling by `npm run typecheck`).
// Run: node --conditions=@flynn-ts/source --import tsx packages/raft/examples/counter.ts 127.0.0.1:7001
import { RaftNode } from '@flynn-ts/raft';
import { FileStorage, HttpTransport } from '@flynn-ts/raft/node';

const id = process.argv[2]!; // this node: '127.0.0.1:7001', '127.0.0.1:7002' or '127.0.0.1:7003'
const peers = ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003'];
let counter = 0;
const transport = new HttpTransport({ id });
await transport.listen(Number(id.split(':')[1]), '127.0.0.1');
const node = await RaftNode.start({
  id,
  bootstrap: peers, // founding voters; ignored once the data dir has state
  storage: await FileStorage.open(`./data/${id}`),
  transport,
  stateMachine: {
    apply: (cmd) => (counter += cmd[0]!), // the result settles propose()'s Promise
    snapshot: () => new TextEncoder().encode(String(counter)),
    restore: (data) => void (counter = Number(new TextDecoder().decode(data))),
  },
});
await node.waitFor((s) => s.leader !== '', 10_000, 'a leader'); // proposals need a leader
console.log('after my increment:', await node.propose(Uint8Array.of(1))); // forwarded if not leader
await node.read(); // linearizable barrier (ReadIndex)
console.log('linearizable read:', counter);
await node.stop();
