import { describe, expect, it } from 'vitest';
import type { StepEvent } from './core/progress-format.js';
import { progressReporter } from './progress-reporter.js';

const ref = { index: 1, total: 2, id: 'wait-controller', action: 'wait' as const };
const run: StepEvent[] = [
  { type: 'start', ...ref },
  { type: 'progress', ...ref, elapsedMs: 1_000, message: 'connection refused' },
  { type: 'progress', ...ref, elapsedMs: 3_000, message: 'connection refused' },
  { type: 'progress', ...ref, elapsedMs: 4_000, message: 'answered 503' },
  { type: 'progress', ...ref, elapsedMs: 7_000, message: 'answered 404' },
  { type: 'done', ...ref, elapsedMs: 7_500 },
];

function collect(o: { json?: boolean; live?: boolean }): string {
  let out = '';
  const report = progressReporter({ write: (t) => (out += t), ...o });
  for (const e of run) report(e);
  return out;
}

describe('progressReporter', () => {
  it('in a log: the ✓ line, and what a slow step waits for when it changes (at most every 3 s)', () => {
    const lines = collect({}).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('    … connection refused');
    expect(lines[1]).toBe('    … answered 404');
    expect(lines[2]).toMatch(/^✓ \[1\/2\] wait-controller +wait +7\.5s$/);
  });

  it('on a terminal: a live line redrawn in place, then the ✓ line', () => {
    const out = collect({ live: true });
    expect(out.split('\r\x1b[K').length).toBeGreaterThan(4);
    const clear = '\r\u001b[K';
    expect(out.endsWith('\n')).toBe(true);
    expect(out.slice(out.lastIndexOf(clear) + clear.length)).toMatch(/^✓ \[1\/2\] wait-controller +wait +7\.5s\n$/);
  });

  it('--json: one JSON object per finished step', () => {
    const lines = collect({ json: true }).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ step: 1, total: 2, id: 'wait-controller', action: 'wait', state: 'done', elapsed_ms: 7500 }]);
  });
});
