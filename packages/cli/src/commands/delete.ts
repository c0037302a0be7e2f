/** `flynn delete`: deletes the app and its git remote. */
import type { Command, CommandContext } from '../command.js';
import { parseGitRemotes } from '../core/git-remote.js';
import { gitRemoteList, removeGitRemote } from '../git.js';
import { REMOTE_OPTION, YES_OPTION } from './shared.js';

async function runDelete(ctx: CommandContext): Promise<void> {
  const app = await ctx.app();
  const remote = ctx.str('remote') ?? 'flynn';
  if (!ctx.flag('yes') && !(await ctx.confirm(`Are you sure you want to delete the app ${JSON.stringify(app)}?`))) return;
  const client = await ctx.client();
  await client.deleteApp(app);
  if (remote !== '') {
    const { rc } = await ctx.flynnrc();
    const remotes = parseGitRemotes(await gitRemoteList(ctx.git), rc.clusters);
    if (remotes.get(remote)?.app === app) await removeGitRemote(ctx.git, remote);
  }
  ctx.out(`Deleted ${app}`);
}

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete an app',
  description: 'Delete the app (its routes, resources, releases and formations go with it). Its git remote is removed too.',
  options: { ...YES_OPTION, ...REMOTE_OPTION },
  examples: ['$ flynn -a turkeys-stupefy-perry delete', 'Are you sure you want to delete the app "turkeys-stupefy-perry"? (yes/no): yes', 'Deleted turkeys-stupefy-perry'],
  run: runDelete,
};

