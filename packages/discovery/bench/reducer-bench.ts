/**
 * Micro-benchmark of the discovery reducer (no raft, no HTTP): the cost of one
 * `applyCommand` for a registration, a re-registration with new meta and a
 * removal, in a service that already holds N instances.
 *
 *   node --conditions=@flynn-ts/source --import tsx packages/discovery/bench/reducer-bench.ts [N...]
 *
 * Prints one JSON line per N: {instances, add_us, update_us, remove_us}.
 */
import { createHash } from 'node:crypto';
import { applyCommand, EMPTY_STATE } from '../src/index.js';
import type { Command, DiscoveryState } from '../src/index.js';

const sizes = process.argv.slice(2).map(Number);
if (sizes.length === 0) sizes.push(100, 1_000, 10_000);

const inst = (n: number, meta?: Record<string, string>) => {
  const addr = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:1000`;
  const id = createHash('md5').update(`tcp-${addr}`).digest('hex');
  return { id, addr, proto: 'tcp', ...(meta ? { meta } : {}) };
};

function run(state: DiscoveryState, cmds: Command[], first: number): { state: DiscoveryState; us: number } {
  const t0 = performance.now();
  let s = state;
  cmds.forEach((cmd, i) => {
    s = applyCommand(s, cmd, first + i).state;
  });
  return { state: s, us: ((performance.now() - t0) * 1000) / cmds.length };
}

for (const n of sizes) {
  let index = 1;
  let state = applyCommand(EMPTY_STATE, { v: 1, type: 'add-service', service: 'svc', config: { leader_type: 'oldest' } }, index++).state;
  const fill = Array.from({ length: n }, (_, i): Command => ({ v: 1, type: 'add-instance', service: 'svc', instance: inst(i) }));
  state = run(state, fill, index).state;
  index += n;
  const k = Math.min(2_000, n);
  const adds = Array.from({ length: k }, (_, i): Command => ({ v: 1, type: 'add-instance', service: 'svc', instance: inst(n + i) }));
  const add = run(state, adds, index);
  index += k;
  const updates = Array.from({ length: k }, (_, i): Command => ({ v: 1, type: 'add-instance', service: 'svc', instance: inst(i, { v: '1' }) }));
  const update = run(add.state, updates, index);
  index += k;
  // Oldest first: each removal moves the `oldest` leader.
  const removes = Array.from({ length: k }, (_, i): Command => ({ v: 1, type: 'remove-instance', service: 'svc', id: inst(i).id }));
  const remove = run(update.state, removes, index);
  console.log(JSON.stringify({ instances: n, add_us: +add.us.toFixed(2), update_us: +update.us.toFixed(2), remove_us: +remove.us.toFixed(2) }));
}
