/** `flynn apps`: every app of the cluster. */
import type { Command, CommandContext } from '../command.js';
import { JSON_OPTION } from './shared.js';

async function runApps(ctx: CommandContext): Promise<void> {
  const apps = await (await ctx.client()).appList();
  if (ctx.flag('json')) ctx.json(apps);
  else ctx.table([['ID', 'NAME'], ...apps.map((a) => [a.id, a.name])]);
}

export const appsCommand: Command = {
  name: 'apps',
  summary: 'list apps',
  options: JSON_OPTION,
  examples: ['$ flynn apps', 'ID                                    NAME', '9d5be7be-873c-41b9-8980-32c08aa87597  controller'],
  run: runApps,
};

