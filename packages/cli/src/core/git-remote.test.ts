import { describe, expect, it } from 'vitest';
import type { FlynnrcCluster } from './flynnrc.js';
import { appFromGitUrl, gitUrlFor, parseGitRemotes } from './git-remote.js';

const a: FlynnrcCluster = { name: 'a', controllerUrl: 'https://controller.a.com', gitUrl: 'https://git.a.com', imageUrl: '' };
const b: FlynnrcCluster = { name: 'b', controllerUrl: 'https://controller.b.com', gitUrl: 'https://git.b.com/', imageUrl: '' };
const noGit: FlynnrcCluster = { name: 'c', controllerUrl: 'http://127.0.0.1:3000', gitUrl: '', imageUrl: '' };

describe('app from a git remote URL', () => {
  it('is https://git.<domain>/<app>.git of a configured cluster', () => {
    expect(gitUrlFor(a, 'myapp')).toBe('https://git.a.com/myapp.git');
    expect(gitUrlFor(b, 'myapp')).toBe('https://git.b.com/myapp.git');
    expect(appFromGitUrl([noGit, a, b], 'https://git.a.com/myapp.git')).toEqual({ cluster: a, app: 'myapp' });
    expect(appFromGitUrl([a, b], 'https://git.b.com/other-app.git')).toEqual({ cluster: b, app: 'other-app' });
  });

  it('ignores other remotes, nested paths and clusters filtered out', () => {
    expect(appFromGitUrl([a], 'git@github.com:me/myapp.git')).toBeUndefined();
    expect(appFromGitUrl([a], 'https://git.a.com/myapp')).toBeUndefined();
    expect(appFromGitUrl([a], 'https://git.a.com/x/y.git')).toBeUndefined();
    expect(appFromGitUrl([a], 'https://git.a.com/.git')).toBeUndefined();
    expect(appFromGitUrl([noGit], '/myapp.git')).toBeUndefined();
    expect(appFromGitUrl([a, b], 'https://git.a.com/myapp.git', 'b')).toBeUndefined();
  });

  it('reads the flynn remotes of `git remote -v` (push lines only)', () => {
    const out = [
      'flynn\thttps://git.a.com/myapp.git (fetch)',
      'flynn\thttps://git.a.com/myapp.git (push)',
      'origin\tgit@github.com:me/myapp.git (fetch)',
      'origin\tgit@github.com:me/myapp.git (push)',
      'staging\thttps://git.b.com/myapp-staging.git (push)',
      'odd\thttps://git.b.com/fetch-only.git (fetch)',
      '',
    ].join('\n');
    const remotes = parseGitRemotes(out, [a, b]);
    expect([...remotes.entries()].map(([r, x]) => [r, x.cluster.name, x.app])).toEqual([
      ['flynn', 'a', 'myapp'],
      ['staging', 'b', 'myapp-staging'],
    ]);
    expect([...parseGitRemotes(out, [a, b], 'a').keys()]).toEqual(['flynn']);
    expect(parseGitRemotes('', [a]).size).toBe(0);
  });
});
