import { describe, expect, it } from 'vitest';
import { exitFromStatus, parseExitFile, signalName } from './exit-status.js';

describe('exit status', () => {
  it('reports signals as 128+N with the name', () => {
    expect(exitFromStatus(137, false)).toEqual({ code: 137, signal: 'SIGKILL', oomKilled: false });
    expect(exitFromStatus(143, true)).toEqual({ code: 143, signal: 'SIGTERM', oomKilled: true });
    expect(exitFromStatus(3, false)).toEqual({ code: 3, oomKilled: false });
    expect(exitFromStatus(-1, false).code).toBe(255);
    expect(exitFromStatus(128 + 64, false).signal).toBeUndefined();
    expect(signalName(2)).toBe('SIGINT');
  });

  it('parses exit files, treating unfinished ones as absent', () => {
    expect(parseExitFile('137', false)).toBe(137);
    expect(parseExitFile('0\n', true)).toBe(0);
    expect(parseExitFile('3', true)).toBeUndefined();
    expect(parseExitFile('', false)).toBeUndefined();
    expect(parseExitFile('x\n', true)).toBeUndefined();
  });
});
