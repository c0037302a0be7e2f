/**
 * The few git operations the CLI needs (finding the app of a remote, adding
 * and removing the `flynn` remote, the global credential helper), run with
 * the `git` binary in the CLI's working directory.
 */
import { execFile } from 'node:child_process';

export interface GitResult {
  /** Exit code; -1 when git could not be run at all. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface Git {
  run(args: readonly string[]): Promise<GitResult>;
}

/** Git in `cwd` with `env`. */
export function execGit(cwd: string, env: Readonly<Record<string, string | undefined>>): Git {
  return {
    run(args) {
      return new Promise((resolve) => {
        execFile('git', [...args], { cwd, env: env as NodeJS.ProcessEnv, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        });
      });
    },
  };
}

export async function inGitRepo(git: Git): Promise<boolean> {
  return (await git.run(['rev-parse', '--git-dir'])).code === 0;
}

/** `git remote -v` output ('' outside a repository). */
export async function gitRemoteList(git: Git): Promise<string> {
  const r = await git.run(['remote', '-v']);
  return r.code === 0 ? r.stdout : '';
}

export async function gitRemoteNames(git: Git): Promise<string[]> {
  const r = await git.run(['remote']);
  return r.code === 0 ? r.stdout.split(/\s+/).filter((s) => s !== '') : [];
}

/** A remote's URL, or undefined when there is no such remote. */
export async function gitRemoteUrl(git: Git, remote: string): Promise<string | undefined> {
  const r = await git.run(['config', `remote.${remote}.url`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** `git config flynn.remote`: the remote to take the app from, when set. */
export async function configuredRemote(git: Git): Promise<string | undefined> {
  const r = await git.run(['config', 'flynn.remote']);
  const v = r.code === 0 ? r.stdout.trim() : '';
  return v === '' ? undefined : v;
}

/** Replaces `remote` with one pointing at `url`. */
export async function setGitRemote(git: Git, remote: string, url: string): Promise<void> {
  await git.run(['remote', 'remove', remote]);
  const r = await git.run(['remote', 'add', '--', remote, url]);
  if (r.code !== 0) throw new Error(`git remote add ${remote} failed: ${r.stderr.trim()}`);
}

export async function removeGitRemote(git: Git, remote: string): Promise<void> {
  await git.run(['remote', 'remove', remote]);
}

/** Global git config for a cluster's git URL: the CA file and `flynn git-credentials` as credential helper. */
export async function writeGlobalGitConfig(git: Git, gitUrl: string, caFile: string | undefined, helper: string): Promise<void> {
  const set = async (key: string, value: string) => {
    const r = await git.run(['config', '--global', key, value]);
    if (r.code !== 0) throw new Error(`git config --global ${key} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  };
  if (caFile) await set(`http.${gitUrl}.sslCAInfo`, caFile);
  await set(`credential.${gitUrl}.helper`, helper);
}

export async function removeGlobalGitConfig(git: Git, gitUrl: string): Promise<void> {
  await git.run(['config', '--global', '--remove-section', `http.${gitUrl}`]);
  await git.run(['config', '--global', '--remove-section', `credential.${gitUrl}`]);
}
