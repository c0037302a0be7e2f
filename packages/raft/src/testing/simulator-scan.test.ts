import { appendFileSync, writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { runSimulation, SimulationError } from './simulator.js';
it('scan', async () => {
  const from = Number(process.env.FROM ?? 1);
  const count = Number(process.env.COUNT ?? 10);
  const hits: string[] = [];
  let other = 0;
  const t0 = performance.now();
  const out = process.env.OUT ?? '/tmp/scan-progress.txt';
  writeFileSync(out, '');
  for (let seed = from; seed < from + count; seed++) {
    appendFileSync(out, `seed ${seed} start\n`);
    const s0 = performance.now();
    try {
      await runSimulation({ seed, steps: Number(process.env.STEPS ?? 1000), nodes: Number(process.env.N ?? 3), ...(process.env.OPTS ? JSON.parse(process.env.OPTS) : {}) });
    } catch (err) {
      if (!(err instanceof SimulationError)) throw err;
      const p = err.problems.join(' | ');
      if (/election safety|state machine safety|leader completeness|acknowledged write lost|not linearizable|acknowledged at index/.test(p)) hits.push(`${seed}@${err.step}: ${p.slice(0, 120)}`);
      else other++;
    }
    appendFileSync(out, `seed ${seed} done ${Math.round(performance.now() - s0)} ms\n`);
  }
  console.log(`HITS ${hits.length} other ${other} ms ${Math.round(performance.now() - t0)}\n${hits.join('\n')}`);
  appendFileSync(out, `HITS ${hits.length} other ${other}\n${hits.join('\n')}\n`);
}, 3_600_000);
