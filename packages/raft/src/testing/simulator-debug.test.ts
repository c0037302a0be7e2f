import { it } from 'vitest';
import { Simulation } from './simulator.js';
it('dbg', async () => {
  const sim = new Simulation({ seed: Number(process.env.S), steps: Number(process.env.STEPS ?? 2000), nodes: Number(process.env.N ?? 3), ...(process.env.OPTS ? JSON.parse(process.env.OPTS) : {}) });
  const orig = sim.checkLinearizable.bind(sim);
  sim.checkLinearizable = () => {
    const t0 = performance.now();
    try { return orig(); } finally { console.log('CHECK ms', Math.round(performance.now() - t0), 'ops', sim.recorder.operations().length); }
  };
  const t0 = performance.now();
  try {
    console.log(JSON.stringify(await sim.run()));
  } catch (e) {
    console.log(String(e).split('\n').slice(0, 10).join('\n'));
  }
  console.log('TOTAL', Math.round(performance.now() - t0));
}, 600000);
