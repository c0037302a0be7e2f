/** `flynn create`: a new app, and its git remote. */
import type { Command, CommandContext } from '../command.js';
import { gitUrlFor } from '../core/git-remote.js';
import { gitRemoteNames, inGitRepo, setGitRemote } from '../git.js';
import { JSON_OPTION, REMOTE_OPTION, YES_OPTION } from './shared.js';

async function runCreate(ctx: CommandContext): Promise<void> {
  const inRepo = await inGitRepo(ctx.git);
  const remote = ctx.flag('no-remote') ? '' : (ctx.str('remote') ?? 'flynn');
  if (inRepo && remote !== '' && !ctx.flag('yes') && (await gitRemoteNames(ctx.git)).includes(remote)) {
    ctx.out(`There is already a git remote called ${remote}`);
    if (!(await ctx.confirm('Are you sure you want to replace it?'))) {
      ctx.log('The remote was not created and neither was the app. Choose another remote name with --remote, or --no-remote.');
      return;
    }
  }
  const client = await ctx.client();
  const name = ctx.args[0];
  const app = await client.createApp(name ? { name } : {});
  if (inRepo && remote !== '') {
    const cluster = await ctx.cluster();
    if (cluster.gitUrl) await setGitRemote(ctx.git, remote, gitUrlFor(cluster, app.name));
    else ctx.log(`warning: cluster ${JSON.stringify(cluster.name)} has no GitURL, so no git remote was added`);
  }
  if (ctx.flag('json')) ctx.json(app);
  else ctx.out(`Created ${app.name}`);
}

export const createCommand: Command = {
  name: 'create',
  summary: 'create an app',
  description:
    'Create an app. Without a name, the controller generates one. In a git repository, a git remote (default "flynn") pointing at the app is added, replacing one of the same name after confirmation.',
  options: {
    ...REMOTE_OPTION,
    'no-remote': { type: 'boolean', description: 'do not add a git remote' },
    ...YES_OPTION,
    ...JSON_OPTION,
  },
  args: [{ name: 'name' }],
  examples: ['$ flynn create', 'Created turkeys-stupefy-perry', '', '$ flynn create --no-remote myapp', 'Created myapp'],
  run: runCreate,
};

