/**
 * Named network namespaces under /run/netns, made and removed with iproute2
 * (`ip netns add|delete`: @flynn-ts/netlink works *in* namespaces but does not
 * create them; doing so needs unshare(2) plus a bind mount, which `ip` does).
 */
import { existsSync } from 'node:fs';
import { runCommand } from './run-command.js';

export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Creates the namespace (replacing a leftover of the same name) and returns its path.
 * Calls are serialised: the first `ip netns add` on a machine also sets up the
 * /run/netns mount, which must not race with itself.
 */
export function createNetns(name: string): Promise<string> {
  const run = queue.then(async () => {
    if (netnsExists(name)) await deleteNetns(name);
    await runCommand('ip', ['netns', 'add', name]);
    return netnsPath(name);
  });
  queue = run.catch(() => {});
  return run;
}

/** Removes the namespace; succeeds when it does not exist. */
export async function deleteNetns(name: string): Promise<void> {
  if (!netnsExists(name)) return;
  await runCommand('ip', ['netns', 'delete', name]);
}
