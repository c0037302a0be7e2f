import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { Simulation } from './simulator.js';
import type { RaftCore } from '../core/raft.js';
it('dbg', async () => {
  const lines: string[] = [];
  const sim = new Simulation({ seed: Number(process.env.S), steps: Number(process.env.STEPS ?? 2000), nodes: Number(process.env.N ?? 3), log: (l) => lines.push(l), ...(process.env.OPTS ? JSON.parse(process.env.OPTS) : {}) });
  try {
    await sim.run();
  } catch (e) {
    console.log(String(e).split('\n').slice(0, 10).join('\n'));
    for (const m of sim.cluster.members()) console.log(m.name, JSON.stringify((m.node as unknown as { core: RaftCore }).core.status()));
  }
  writeFileSync('/tmp/trace.txt', lines.join('\n'));
}, 600000);
