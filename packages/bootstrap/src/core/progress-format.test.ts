import { describe, expect, it } from 'vitest';
import { formatDuration, formatStepEvent, formatStepJson } from './progress-format.js';

const ref = { index: 3, total: 12, id: 'controller', action: 'run-app' as const };

describe('progress format', () => {
  it('formats durations', () => {
    expect(formatDuration(12.4)).toBe('12ms');
    expect(formatDuration(3_456)).toBe('3.5s');
    expect(formatDuration(65_000)).toBe('1m05s');
  });

  it('one line per finished step with ✓ or ✗ and the time; the error indented below', () => {
    expect(formatStepEvent({ type: 'done', ...ref, elapsedMs: 1_500 }).line).toMatch(/^✓ \[ 3\/12\] controller {2,}run-app {2,}1\.5s$/);
    const failed = formatStepEvent({ type: 'failed', ...ref, elapsedMs: 20, error: 'job crashed\nlast log lines' }).line!;
    const lines = failed.split('\n');
    expect(lines[0]).toMatch(/^✗ \[ 3\/12\] controller {2,}run-app {2,}20ms$/);
    expect(lines.slice(1)).toEqual(['    job crashed', '    last log lines']);
    expect(formatStepEvent({ type: 'done', ...ref, action: 'log', elapsedMs: 0, output: 'flynn cluster add …' }).line).toMatch(/0ms\nflynn cluster add …$/);
  });

  it('a live line while a step runs, with what it waits for', () => {
    expect(formatStepEvent({ type: 'start', ...ref }).line).toBeUndefined();
    expect(formatStepEvent({ type: 'progress', ...ref, elapsedMs: 4_000, message: '1 of 2 jobs running' }).live).toMatch(/^… \[ 3\/12\] controller {2,}run-app {2,}4\.0s {2}1 of 2 jobs running$/);
  });

  it('--json: one object per finished step', () => {
    expect(formatStepJson({ type: 'start', ...ref })).toBeUndefined();
    expect(formatStepJson({ type: 'progress', ...ref, elapsedMs: 1, message: 'x' })).toBeUndefined();
    expect(JSON.parse(formatStepJson({ type: 'done', ...ref, elapsedMs: 12.6 })!)).toEqual({ step: 3, total: 12, id: 'controller', action: 'run-app', state: 'done', elapsed_ms: 13 });
    expect(JSON.parse(formatStepJson({ type: 'failed', ...ref, elapsedMs: 1, error: 'boom' })!)).toMatchObject({ state: 'error', error: 'boom' });
  });
});
