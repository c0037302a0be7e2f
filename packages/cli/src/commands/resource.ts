/** `flynn resource`: provisioned resources (databases) of the app. */
import type { ControllerClient, Resource } from '@flynn-ts/controller';
import type { Command, CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { currentRelease, JSON_OPTION, readJsonFile, setEnv } from './shared.js';

async function providerName(client: ControllerClient, id: string, cache: Map<string, string>): Promise<string> {
  let name = cache.get(id);
  if (name === undefined) {
    name = (await client.getProvider(id)).name;
    cache.set(id, name);
  }
  return name;
}

async function runList(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const resources = await client.appResourceList(await ctx.app());
  if (ctx.flag('json')) {
    ctx.json(resources);
    return;
  }
  const names = new Map<string, string>();
  const rows = [['ID', 'Provider ID', 'Provider Name']];
  for (const r of resources) rows.push([r.id, r.provider, await providerName(client, r.provider, names)]);
  ctx.table(rows);
}

async function runAdd(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const app = await client.getApp(await ctx.app());
  const configFile = ctx.str('config');
  const config = configFile ? await readJsonFile(configFile) : undefined;
  if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) throw new CliError(`${configFile}: must be a JSON object`);
  // The controller attaches the resource's env to the app as a new release and deploys it.
  const resource = await client.provisionResource(ctx.args[0]!, { apps: [app.id], ...(config ? { config: config as Record<string, unknown> } : {}) });
  const release = await currentRelease(client, app.id);
  ctx.out(`Created resource ${resource.id}${release ? ` and release ${release.id}` : ''}.`);
}

/** The app's only resource of `provider` (id or name). */
async function resolveResource(ctx: CommandContext, client: ControllerClient, provider: string): Promise<string> {
  const names = new Map<string, string>();
  const matched: Resource[] = [];
  for (const r of await client.appResourceList(await ctx.app())) {
    if (r.provider === provider || (await providerName(client, r.provider, names)) === provider) matched.push(r);
  }
  if (matched.length === 0) throw new CliError(`App has no resource of ${provider}`);
  if (matched.length > 1) throw new CliError(`App has more than one resource for ${provider}, specify resource ID`);
  return matched[0]!.id;
}

async function runRemove(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const app = await ctx.app();
  const [provider, given] = ctx.args as [string, string | undefined];
  const id = given ?? (await resolveResource(ctx, client, provider));
  const removed = await client.deleteResource(provider, id);
  // Unset the resource's env where the app still has the resource's value.
  const release = await currentRelease(client, app);
  const changes: Record<string, null> = {};
  for (const [k, v] of Object.entries(removed.env)) if (release?.env[k] === v) changes[k] = null;
  if (Object.keys(changes).length === 0) {
    ctx.out(`Deleted resource ${removed.id}.`);
    return;
  }
  const releaseId = await setEnv(ctx, undefined, changes);
  ctx.out(`Deleted resource ${removed.id}, created release ${releaseId}.`);
}

export const resourceCommand: Command = {
  name: 'resource',
  summary: 'manage resources',
  description: "Manage the app's resources (databases and other services from a provider). With no subcommand, lists them.",
  options: JSON_OPTION,
  run: runList,
  examples: ['$ flynn resource add postgres', 'Created resource 8cfd94d0-40b1-4bd8-aecc-086c8f5f5e0d and release 5058ae79-64f7-4c39-9a24-0bdd6e7d1bcb.'],
  subcommands: [
    {
      name: 'add',
      summary: "provision a resource for the app (its env goes into a new release)",
      options: { config: { type: 'string', valueName: 'file', description: 'provider config (JSON)' } },
      args: [{ name: 'provider', required: true }],
      run: runAdd,
    },
    {
      name: 'remove',
      summary: "deprovision a resource and remove its env from the app",
      args: [{ name: 'provider', required: true }, { name: 'resource' }],
      run: runRemove,
    },
  ],
};
