import { describe, expect, it } from 'vitest';
import { parseCommandLine, splitOptionsFirst } from './args.js';
import type { Command } from './command.js';
import { UsageError } from './errors.js';

const route: Command = {
  name: 'http',
  summary: 'x',
  options: {
    service: { type: 'string', short: 's', description: '' },
    sticky: { type: 'boolean', description: '' },
    'no-drain-backends': { type: 'boolean', description: '' },
  },
  args: [{ name: 'domain', required: true }],
};

const run: Command = {
  name: 'run',
  summary: 'x',
  optionsFirst: true,
  options: { detached: { type: 'boolean', short: 'd', description: '' }, release: { type: 'string', short: 'r', description: '' } },
  args: [
    { name: 'command', required: true },
    { name: 'argument', variadic: true },
  ],
};

function usage(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('no usage error');
}

describe('parseCommandLine', () => {
  it('parses long, short, attached and negated-looking options and positionals', () => {
    expect(parseCommandLine(route, ['route', 'add', 'http'], ['-s', 'svc', '--sticky', '--no-drain-backends', 'example.com'])).toEqual({
      options: { service: 'svc', sticky: true, 'no-drain-backends': true },
      args: ['example.com'],
      help: false,
    });
    expect(parseCommandLine(route, [], ['-ssvc', 'a.com']).options.service).toBe('svc');
    expect(parseCommandLine(route, [], ['--service=svc', 'a.com']).options.service).toBe('svc');
  });

  it('reports usage errors with the command path', () => {
    const path = ['route', 'add', 'http'];
    expect(usage(() => parseCommandLine(route, path, ['--bogus', 'a.com'])).message).toBe('unknown option --bogus');
    expect(usage(() => parseCommandLine(route, path, ['--bogus', 'a.com'])).path).toEqual(path);
    expect(usage(() => parseCommandLine(route, path, [])).message).toBe('missing argument <domain>');
    expect(usage(() => parseCommandLine(route, path, ['a.com', 'b.com'])).message).toBe('unexpected argument "b.com"');
    expect(usage(() => parseCommandLine(route, path, ['a.com', '-s'])).message).toMatch(/service/);
  });

  it('--help skips the argument checks', () => {
    expect(parseCommandLine(route, [], ['--help']).help).toBe(true);
    expect(parseCommandLine(route, [], ['-h', 'x', 'y']).help).toBe(true);
  });

  it('options-first commands pass everything after the first positional through', () => {
    expect(parseCommandLine(run, ['run'], ['-d', '-r', 'rel', 'ls', '-la', '--help'])).toEqual({
      options: { detached: true, release: 'rel' },
      args: ['ls', '-la', '--help'],
      help: false,
    });
    expect(parseCommandLine(run, ['run'], ['--', '-weird', 'x']).args).toEqual(['-weird', 'x']);
    expect(usage(() => parseCommandLine(run, ['run'], ['-d'])).message).toBe('missing argument <command>');
    expect(splitOptionsFirst(['-r', 'x', '--release=y', 'cmd', '-r'], { release: { type: 'string', short: 'r' } })).toEqual({
      head: ['-r', 'x', '--release=y'],
      rest: ['cmd', '-r'],
    });
  });
});
