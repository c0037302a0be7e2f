/**
 * Runs every scenario script in packages/raft/testdata/*.txt and compares the
 * rendered transcript with its .out file (update with `vitest -u`, then review
 * the diff as if it were code). Every run must also keep Raft's safety
 * properties (see interaction-safety.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInteraction } from '../testing/interaction.js';

const dir = fileURLToPath(new URL('../../testdata/', import.meta.url));
const scripts = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('scenario transcripts', () => {
  it('has scripts', () => {
    expect(scripts.length).toBeGreaterThan(0);
  });
  for (const file of scripts) {
    it(file, async () => {
      const name = file.replace(/\.txt$/, '');
      const { output, env } = runInteraction(readFileSync(dir + file, 'utf8'));
      env.safety.checkLogMatching([...env.nodes.values()]);
      expect(env.safety.violations).toEqual([]);
      await expect(output).toMatchFileSnapshot(`../../testdata/${name}.out`);
    });
  }
});
