import { PassThrough } from 'node:stream';
import { ManualClock } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import type { Git } from './git.js';
import type { CliIo } from './io.js';

function fakeIo(env: Record<string, string> = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (c) => ((out += String(c)), true) },
    stderr: { write: (c) => ((err += String(c)), true) },
    stdin: new PassThrough(),
    env: { FLYNNRC: '/nonexistent/flynnrc', ...env },
    cwd: '/nonexistent',
    home: '/nonexistent',
    onSignal: () => () => {},
    out: () => out,
    err: () => err,
  };
}

const noGit: Git = { run: async () => ({ code: 128, stdout: '', stderr: 'not a git repository' }) };

async function cli(argv: string[], env?: Record<string, string>) {
  const io = fakeIo(env);
  const code = await runCli(argv, io, { version: '1.2.3', git: noGit, clock: new ManualClock() });
  return { code, out: io.out(), err: io.err() };
}

describe('runCli', () => {
  it('prints help on stdout with exit 0 (flynn --help, help, help <cmd>, <cmd> --help, -h)', async () => {
    for (const argv of [['--help'], ['help'], ['-h']]) {
      const r = await cli(argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: flynn /);
    }
    const a = await cli(['help', 'route', 'add', 'http']);
    const b = await cli(['route', 'add', 'http', '--help']);
    const c = await cli(['-h', 'route', 'add', 'http']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^usage: flynn route add http \[options\] <domain>/);
    expect(b.out).toBe(a.out);
    expect(c.out).toBe(a.out);
  });

  it('usage errors go to stderr with the usage and exit 2', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^usage: flynn/);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^flynn: "frobnicate" is not a flynn command\. See 'flynn help'\.\n\nusage: flynn/);
    const badOpt = await cli(['scale', '--bogus']);
    expect(badOpt.code).toBe(2);
    expect(badOpt.err).toMatch(/^flynn: unknown option --bogus\n\nusage: flynn scale/);
    const missing = await cli(['cluster', 'add', 'name']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing argument <domain>/);
    const group = await cli(['route', 'add']);
    expect(group.code).toBe(2);
    expect(group.err).toMatch(/^flynn: route add needs a subcommand\n\nusage: flynn route add http/);
    const globalOpt = await cli(['-x', 'apps']);
    expect(globalOpt.code).toBe(2);
    expect((await cli(['-a'])).code).toBe(2);
    const shell = await cli(['completion', 'fish']);
    expect(shell.code).toBe(2);
    expect(shell.err).toMatch(/unsupported shell "fish"/);
    expect(shell.out).toBe('');
  });

  it('prints the version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, out: '1.2.3\n', err: '' });
    expect(await cli(['version'])).toEqual({ code: 0, out: '1.2.3\n', err: '' });
  });

  it('prints completion scripts', async () => {
    const r = await cli(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('complete -F _flynn flynn');
  });

  it('explains missing configuration with exit 1', async () => {
    const r = await cli(['apps']);
    expect(r).toEqual({ code: 1, out: '', err: 'no clusters configured: add one with flynn cluster add\n' });
    const app = await cli(['info']);
    expect(app.code).toBe(1);
    expect(app.err).toBe('no app found, run from a repo with a flynn remote or specify one with -a\n');
    expect((await cli(['-c', 'nope', 'apps'], {})).code).toBe(1);
  });
});
