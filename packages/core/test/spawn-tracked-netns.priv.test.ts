/** spawnTracked entering a network namespace made here, with `ip netns exec` and with `nsenter --net`. */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllTracked, missingRequirements, spawnTracked, waitFor } from '../src/testing/index.js';

const missing = missingRequirements({ root: true, commands: ['ip', 'nsenter'] });

describe.skipIf(missing)('spawnTracked in a network namespace', () => {
  const ns = `fcst${process.pid}`;
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
  });
  afterAll(async () => {
    await killAllTracked();
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it.each(['ip', 'nsenter'] as const)('enters it with %s (the PID is the program itself)', async (via) => {
    const p = spawnTracked(['sh', '-c', 'echo $$; exec ip -o link show'], { name: via, netns: { name: ns, via } });
    expect((await p.exited).code).toBe(0);
    await waitFor(() => p.lines.length >= 2);
    expect(p.lines[0]).toBe(String(p.pid));
    expect(p.lines).toHaveLength(2); // only `lo`: the fresh namespace, not the machine's links
    expect(p.lines[1]).toContain('lo:');
  });
});
