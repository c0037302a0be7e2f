import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Requirements {
  /** Needs to run as root (uid 0). */
  root?: boolean;
  /** Executables that must be on PATH (or absolute paths that must exist). */
  commands?: readonly string[];
  /** Files or directories that must exist. */
  paths?: readonly string[];
}

/**
 * What is missing for a test that needs root or binaries, as one line, or
 * `undefined` when everything is there. Under `CI=true` a missing requirement
 * is not a skip but a failure: this function throws instead of returning.
 *
 * ```ts
 * const missing = missingRequirements({ root: true, commands: ['ip'] });
 * describe.skipIf(missing)('netns', () => { ... });
 * ```
 */
export function missingRequirements(req: Requirements, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing: string[] = [];
  if (req.root && process.getuid?.() !== 0) missing.push('root (uid 0)');
  for (const cmd of req.commands ?? []) if (!hasCommand(cmd)) missing.push(`command \`${cmd}\``);
  for (const p of req.paths ?? []) if (!existsSync(p)) missing.push(`path ${p}`);
  if (missing.length === 0) return undefined;
  const line = `skipped: needs ${missing.join(', ')}`;
  if (env.CI === 'true') throw new Error(`${line} (CI=true: a skipped system test is a failure)`);
  console.warn(line);
  return line;
}

export function hasCommand(cmd: string): boolean {
  if (cmd.includes('/')) return existsSync(cmd);
  try {
    execFileSync('sh', ['-c', `command -v "${cmd.replace(/"/g, '')}"`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
