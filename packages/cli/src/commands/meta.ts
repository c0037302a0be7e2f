/** `flynn meta`: app metadata. */
import type { Command, CommandContext } from '../command.js';
import { JSON_OPTION, parsePairs } from './shared.js';

async function runMetaList(ctx: CommandContext): Promise<void> {
  const app = await (await ctx.client()).getApp(await ctx.app());
  if (ctx.flag('json')) {
    ctx.json(app.meta);
    return;
  }
  ctx.table([['KEY', 'VALUE'], ...Object.entries(app.meta).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

async function editMeta(ctx: CommandContext, edit: (meta: Record<string, string>) => void): Promise<void> {
  const client = await ctx.client();
  const app = await client.getApp(await ctx.app());
  const meta = { ...app.meta };
  edit(meta);
  await client.updateAppMeta(app.id, meta);
}

export const metaCommand: Command = {
  name: 'meta',
  summary: 'manage app metadata',
  options: JSON_OPTION,
  run: runMetaList,
  examples: ['$ flynn meta set foo=baz bar=qux', '', '$ flynn meta', 'KEY  VALUE', 'bar  qux', 'foo  baz'],
  subcommands: [
    {
      name: 'set',
      summary: 'set metadata keys',
      args: [{ name: 'var>=<val', required: true, variadic: true }],
      run: (ctx) => editMeta(ctx, (meta) => Object.assign(meta, parsePairs(ctx.args))),
    },
    {
      name: 'unset',
      summary: 'remove metadata keys',
      args: [{ name: 'var', required: true, variadic: true }],
      run: (ctx) =>
        editMeta(ctx, (meta) => {
          for (const k of ctx.args) delete meta[k];
        }),
    },
  ],
};
