/** `flynn info`: the app's git and web URLs. */
import type { HttpRoute } from '@flynn-ts/controller';
import type { Command, CommandContext } from '../command.js';
import { gitUrlFor } from '../core/git-remote.js';
import { currentRelease, JSON_OPTION } from './shared.js';

async function runInfo(ctx: CommandContext): Promise<void> {
  const name = await ctx.app();
  const client = await ctx.client();
  const app = await client.getApp(name);
  const cluster = await ctx.cluster();
  const release = await currentRelease(client, app.id);
  const gitUrl = cluster.gitUrl && (!release || release.meta.git === 'true') ? gitUrlFor(cluster, app.name) : undefined;
  const http = (await client.appRouteList(app.id)).find((r): r is HttpRoute => r.type === 'http');
  const webUrl = http ? `${http.certificate ? 'https' : 'http'}://${http.domain}` : undefined;
  if (ctx.flag('json')) {
    ctx.json({ app, ...(release ? { release: release.id } : {}), ...(gitUrl ? { git_url: gitUrl } : {}), ...(webUrl ? { web_url: webUrl } : {}) });
    return;
  }
  ctx.out(`=== ${app.name}`);
  ctx.table([...(gitUrl ? [['Git URL:', gitUrl]] : []), ...(webUrl ? [['Web URL:', webUrl]] : [])]);
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'show app information',
  options: JSON_OPTION,
  examples: ['$ flynn -a example info', '=== example', 'Git URL:  https://git.dev.localflynn.com/example.git', 'Web URL:  http://example.dev.localflynn.com'],
  run: runInfo,
};
