import { describe, it } from 'vitest';
import { runSimulation } from './simulator.js';

describe('scratch', () => {
  it('runs', async () => {
    const from = Number(process.env.FROM ?? 1);
    const count = Number(process.env.COUNT ?? 10);
    let fails = 0;
    const t00 = performance.now();
    for (let seed = from; seed < from + count; seed++) {
      const t0 = performance.now();
      try {
        const r = await runSimulation({ seed, steps: Number(process.env.STEPS ?? 2000), nodes: Number(process.env.N ?? 3), ...(process.env.OPTS ? JSON.parse(process.env.OPTS) : {}) });
        if (!process.env.QUIET) console.log(JSON.stringify(r), Math.round(performance.now() - t0));
      } catch (err) {
        fails++;
        console.log(`SEED ${seed} FAILED`, String(err).slice(0, Number(process.env.ERRLEN ?? 300)));
      }
    }
    console.log('fails', fails, 'ms', Math.round(performance.now() - t00));
  }, 3_600_000);
});
