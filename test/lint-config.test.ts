// Checks the lint rule that keeps pure cores deterministic: a planted
// Date.now()/Math.random()/setTimeout()/performance.now() or node:* import
// under any src/core/ folder fails lint, and the same code elsewhere passes.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function lint(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('eslint pure-core rules', () => {
  const planted: Array<[string, string]> = [
    ['Date.now', 'export const t = Date.now();\n'],
    ['Math.random', 'export const r = Math.random();\n'],
    ['setTimeout', 'setTimeout(() => {}, 1);\n'],
    ['setInterval', 'setInterval(() => {}, 1);\n'],
    ['performance.now', 'export const p = performance.now();\n'],
    ['new Date()', 'export const d = new Date();\n'],
    ['node:fs import', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n"],
  ];

  for (const [what, code] of planted) {
    it(`rejects ${what} under src/core/`, async () => {
      const messages = await lint(code, 'packages/raft/src/core/planted.ts');
      expect(messages.some((m) => /no-restricted-(globals|properties|syntax|imports)/.test(m))).toBe(true);
    });
  }

  it('applies to nested core folders of any package', async () => {
    const messages = await lint('export const t = Date.now();\n', 'packages/controller/src/scheduler/core/plan.ts');
    expect(messages.join('\n')).toMatch(/injected Clock/);
  });

  it('allows the same code outside core', async () => {
    expect(await lint('export const t = Date.now();\n', 'packages/raft/src/node.ts')).toEqual([]);
  });

  it('allows Date.now in core unit tests', async () => {
    expect(await lint('export const t = Date.now();\n', 'packages/raft/src/core/raft.test.ts')).toEqual([]);
  });
});
