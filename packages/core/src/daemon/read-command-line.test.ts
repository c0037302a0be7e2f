import { describe, expect, it } from 'vitest';
import { readCommandLine } from './read-command-line.js';

class BadFlag extends Error {}

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, options: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } } };
}

describe('readCommandLine', () => {
  it('gives the config to run with, printing nothing', () => {
    const { out, options } = capture();
    expect(readCommandLine(() => ({ kind: 'run', config: { port: 1 } }), BadFlag, options)).toEqual({ config: { port: 1 } });
    expect(out).toEqual({ stdout: '', stderr: '' });
  });

  it('prints the usage to stdout and exits 0', () => {
    const { out, options } = capture();
    expect(readCommandLine(() => ({ kind: 'help', text: 'usage: x' }), BadFlag, options)).toEqual({ exitCode: 0 });
    expect(out).toEqual({ stdout: 'usage: x\n', stderr: '' });
  });

  it('prints a config error with the help hint to stderr and exits 2; other errors propagate', () => {
    const { out, options } = capture();
    const bad = () => {
      throw new BadFlag('x: bad -port');
    };
    expect(readCommandLine(bad, BadFlag, { ...options, helpFlag: '-help' })).toEqual({ exitCode: 2 });
    expect(out).toEqual({ stdout: '', stderr: 'x: bad -port\n\nrun with -help for usage\n' });
    const broken = () => {
      throw new TypeError('bug');
    };
    expect(() => readCommandLine(broken, BadFlag, options)).toThrow(TypeError);
  });
});
