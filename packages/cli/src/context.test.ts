import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ManualClock } from '@flynn-ts/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { RunContext } from './context.js';
import type { Git } from './git.js';

const dir = mkdtempSync(join(tmpdir(), 'flynn-cli-ctx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rcPath = join(dir, 'flynnrc');
writeFileSync(
  rcPath,
  [
    'default = "a"',
    '[[cluster]]',
    'Name = "a"',
    'ControllerURL = "https://controller.a.com"',
    'GitURL = "https://git.a.com"',
    'ImageURL = ""',
    '[[cluster]]',
    'Name = "b"',
    'ControllerURL = "https://controller.b.com"',
    'GitURL = "https://git.b.com"',
    'ImageURL = ""',
    '',
  ].join('\n'),
);

/** A git with fixed remotes and config. */
function fakeGit(remotes: Record<string, string>, config: Record<string, string> = {}): Git {
  return {
    async run(args) {
      if (args[0] === 'remote' && args[1] === '-v') {
        return { code: 0, stdout: Object.entries(remotes).map(([n, u]) => `${n}\t${u} (fetch)\n${n}\t${u} (push)\n`).join(''), stderr: '' };
      }
      if (args[0] === 'config') {
        const key = args[1]!;
        const m = /^remote\.(.+)\.url$/.exec(key);
        const v = m ? remotes[m[1]!] : config[key];
        return v === undefined ? { code: 1, stdout: '', stderr: '' } : { code: 0, stdout: `${v}\n`, stderr: '' };
      }
      return { code: 1, stdout: '', stderr: '' };
    },
  };
}

function ctx(git: Git, global: { app?: string; cluster?: string } = {}, env: Record<string, string> = {}) {
  return new RunContext({
    path: ['info'],
    options: {},
    args: [],
    global,
    io: { stdout: { write: () => true }, stderr: { write: () => true }, stdin: new PassThrough(), env: { FLYNNRC: rcPath, ...env }, cwd: dir, home: dir, onSignal: () => () => {} },
    clock: new ManualClock(),
    git,
    version: 'test',
    signal: new AbortController().signal,
  });
}

describe('app and cluster resolution', () => {
  it('takes -a first, then FLYNN_APP, with the default (or -c / FLYNN_CLUSTER) cluster', async () => {
    const git = fakeGit({ flynn: 'https://git.b.com/from-remote.git' });
    const c1 = ctx(git, { app: 'given' }, { FLYNN_APP: 'env-app' });
    expect(await c1.app()).toBe('given');
    expect((await c1.cluster()).name).toBe('a');
    const c2 = ctx(git, {}, { FLYNN_APP: 'env-app', FLYNN_CLUSTER: 'b' });
    expect(await c2.app()).toBe('env-app');
    expect((await c2.cluster()).name).toBe('b');
    expect((await ctx(git, { app: 'x', cluster: 'b' }).cluster()).name).toBe('b');
  });

  it('takes the app and its cluster from the flynn git remote', async () => {
    const c = ctx(fakeGit({ origin: 'git@github.com:me/x.git', flynn: 'https://git.b.com/myapp.git' }));
    expect(await c.app()).toBe('myapp');
    expect((await c.cluster()).name).toBe('b');
  });

  it('-a may name a git remote', async () => {
    const c = ctx(fakeGit({ staging: 'https://git.a.com/myapp-staging.git', prod: 'https://git.b.com/myapp.git' }), { app: 'staging' });
    expect(await c.app()).toBe('myapp-staging');
    expect((await c.cluster()).name).toBe('a');
  });

  it('uses `git config flynn.remote` when set, and explains ambiguity and absence', async () => {
    const remotes = { staging: 'https://git.a.com/s.git', prod: 'https://git.b.com/p.git' };
    expect(await ctx(fakeGit(remotes, { 'flynn.remote': 'prod' })).app()).toBe('p');
    await expect(ctx(fakeGit(remotes)).app()).rejects.toThrow(/Multiple apps listed in git remotes[\s\S]*staging\nprod/);
    await expect(ctx(fakeGit(remotes, { 'flynn.remote': 'gone' })).app()).rejects.toThrow(/could not find git remote gone/);
    await expect(ctx(fakeGit({ x: 'https://elsewhere/x.git' }, { 'flynn.remote': 'x' })).app()).rejects.toThrow(/could not find app name in x git remote/);
    await expect(ctx(fakeGit({})).app()).rejects.toThrow(/no app found/);
    // -c restricts which cluster's remotes count.
    expect(await ctx(fakeGit(remotes), { cluster: 'a' }).app()).toBe('s');
  });
});
