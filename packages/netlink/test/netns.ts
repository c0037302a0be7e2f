// Helpers for privileged tests: namespaces the test creates (and always
// deletes), and `ip -j` inside them. Never touches the host's own namespace.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Creates `flynnts-<prefix>-<random>`; returns its name. */
export function createNetns(prefix: string): string {
  const name = `flynnts-${prefix}-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name]);
  return name;
}

/** Deletes a namespace (its links go with it); quiet if it is already gone. */
export function deleteNetns(name: string | undefined): void {
  if (name) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}

export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

/** Runs `ip -n <ns> ...args` and returns its stdout. */
export function ip(ns: string, ...args: string[]): string {
  return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
}

/** `ip -n <ns> -j ...args`, parsed. */
export function ipJson<T = Record<string, unknown>[]>(ns: string, ...args: string[]): T {
  const out = execFileSync('ip', ['-n', ns, '-j', ...args], { encoding: 'utf8' });
  return JSON.parse(out.trim() === '' ? '[]' : out) as T;
}

/** `bridge -n <ns> -j ...args`, parsed. */
export function bridgeJson<T = Record<string, unknown>[]>(ns: string, ...args: string[]): T {
  const out = execFileSync('bridge', ['-n', ns, '-j', ...args], { encoding: 'utf8' });
  return JSON.parse(out.trim() === '' ? '[]' : out) as T;
}
