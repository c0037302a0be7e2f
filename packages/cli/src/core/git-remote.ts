/**
 * Which app a git remote points at (the original's cli/git.go): a remote URL
 * `<GitURL>/<app>.git` of a configured cluster names that cluster and app.
 */
import type { FlynnrcCluster } from './flynnrc.js';

export interface RemoteApp {
  cluster: FlynnrcCluster;
  app: string;
}

const SUFFIX = '.git';

/** The git remote URL of an app on a cluster. */
export function gitUrlFor(cluster: Pick<FlynnrcCluster, 'gitUrl'>, app: string): string {
  return `${cluster.gitUrl.replace(/\/+$/, '')}/${app}${SUFFIX}`;
}

/**
 * The cluster and app of a remote URL, or undefined when it is not a flynn
 * remote of any configured cluster (of `onlyCluster` when given).
 */
export function appFromGitUrl(clusters: readonly FlynnrcCluster[], url: string, onlyCluster?: string): RemoteApp | undefined {
  for (const cluster of clusters) {
    if (onlyCluster && cluster.name !== onlyCluster) continue;
    if (cluster.gitUrl === '') continue;
    const prefix = `${cluster.gitUrl.replace(/\/+$/, '')}/`;
    if (url.startsWith(prefix) && url.endsWith(SUFFIX)) {
      const app = url.slice(prefix.length, url.length - SUFFIX.length);
      if (app !== '' && !app.includes('/')) return { cluster, app };
    }
  }
  return undefined;
}

/**
 * The flynn remotes in the output of `git remote -v`: remote name → app.
 * Only `(push)` lines count, as in the original.
 */
export function parseGitRemotes(output: string, clusters: readonly FlynnrcCluster[], onlyCluster?: string): Map<string, RemoteApp> {
  const out = new Map<string, RemoteApp>();
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 3 || fields[2] !== '(push)') continue;
    const found = appFromGitUrl(clusters, fields[1]!, onlyCluster);
    if (found) out.set(fields[0]!, found);
  }
  return out;
}
