import { describe, expect, it } from 'vitest';
import { logTail } from './job-diagnostics.js';

describe('logTail', () => {
  it('keeps the last lines and folds stack frames', () => {
    const lines = ['starting', 'Error: Cannot find module x', '    at a (x.js:1)', '    at b (y.js:2)', '', 'Node.js v20'];
    expect(logTail(lines, 10)).toEqual(['starting', 'Error: Cannot find module x', '    … 2 stack frames', 'Node.js v20']);
    expect(logTail(lines, 2)).toEqual(['    … 2 stack frames', 'Node.js v20']);
  });
});
