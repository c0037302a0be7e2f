/** `flynn provider`: resource providers. */
import type { Command, CommandContext } from '../command.js';
import { JSON_OPTION } from './shared.js';

async function runProviders(ctx: CommandContext): Promise<void> {
  const providers = await (await ctx.client()).providerList();
  if (ctx.flag('json')) {
    ctx.json(providers);
    return;
  }
  if (providers.length === 0) return;
  ctx.table([['ID', 'NAME', 'URL'], ...providers.map((p) => [p.id, p.name, p.url])]);
}

export const providerCommand: Command = {
  name: 'provider',
  summary: 'manage resource providers',
  options: JSON_OPTION,
  run: runProviders,
  examples: ['$ flynn provider add postgres http://postgres-api.discoverd/databases', 'Created provider postgres.'],
  subcommands: [
    {
      name: 'add',
      summary: 'add a provider <name> at <url>',
      args: [
        { name: 'name', required: true },
        { name: 'url', required: true },
      ],
      run: async (ctx) => {
        const [name, url] = ctx.args as [string, string];
        await (await ctx.client()).createProvider({ name, url });
        ctx.out(`Created provider ${name}.`);
      },
    },
  ],
};
