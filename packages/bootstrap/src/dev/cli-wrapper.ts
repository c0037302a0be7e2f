/**
 * `<data>/bin/flynn`: a shell script running this checkout's `flynn` CLI
 * from its sources (no build needed), so the printed `flynn cluster add`
 * line works after `export PATH="<data>/bin:$PATH"`.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevClusterConfig } from './dev-config.js';

/** Single-quotes a word for sh. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Writes the script; returns its path. */
export function writeCliWrapper(c: DevClusterConfig, binDir: string): string {
  mkdirSync(binDir, { recursive: true });
  const path = join(binDir, 'flynn');
  const options = c.nodeOptions.split(/\s+/).filter(Boolean);
  const argv = [c.node, ...options, join(c.repoRoot, 'packages', 'cli', c.daemonMain)].map(shellQuote).join(' ');
  writeFileSync(path, `#!/bin/sh\n# The flynn CLI of ${c.repoRoot} (written by npm start).\nexec ${argv} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}
