/** `flynn cluster`: the clusters in ~/.flynnrc (reference §4.4). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { flynnDir } from '../config.js';
import { connectCluster } from '../connection.js';
import { addCluster, clusterUrls, removeCluster, setDefaultCluster } from '../core/flynnrc.js';
import type { FlynnrcCluster } from '../core/flynnrc.js';
import { CliError } from '../errors.js';
import { removeGlobalGitConfig, writeGlobalGitConfig } from '../git.js';
import { decodeTlsPin } from '../tls-pin.js';
import { JSON_OPTION } from './shared.js';

async function runList(ctx: CommandContext): Promise<void> {
  const { rc } = await ctx.flynnrc();
  if (ctx.flag('json')) {
    ctx.json(
      rc.clusters.map((c) => ({
        name: c.name,
        controller_url: c.controllerUrl,
        git_url: c.gitUrl,
        image_url: c.imageUrl,
        ...(c.tlsPin ? { tls_pin: c.tlsPin } : {}),
        default: c.name === rc.default,
      })),
    );
    return;
  }
  ctx.table([
    ['NAME', 'CONTROLLER URL', 'GIT URL', 'IMAGE URL'],
    ...rc.clusters.map((c) => [c.name, c.controllerUrl, c.gitUrl || '(none)', c.imageUrl || '(none)', ...(c.name === rc.default ? ['(default)'] : [])]),
  ]);
}

/** The command git runs as credential helper: this CLI's `git-credentials`. */
function credentialHelper(ctx: CommandContext): string {
  const self = ctx.io.self ?? ['flynn'];
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `!${self.map(quote).join(' ')} git-credentials`;
}

async function configureGit(ctx: CommandContext, cluster: FlynnrcCluster): Promise<void> {
  const conn = connectCluster(cluster, { clock: ctx.clock, timeoutMs: 15_000 });
  let caPath: string | undefined;
  try {
    const ca = await conn.caCert();
    if (ca.trim() !== '') {
      const dir = join(flynnDir(ctx.io.home), 'ca-certs');
      await mkdir(dir, { recursive: true });
      caPath = join(dir, `${cluster.name}.pem`);
      await writeFile(caPath, ca);
    }
  } catch (err) {
    throw new CliError(`Error writing CA certificate: ${(err as Error).message}`, { cause: err });
  } finally {
    await conn.close();
  }
  const probe = await ctx.git.run(['--version']);
  if (probe.code !== 0) throw new CliError("Executable 'git' was not found. Use --no-git to skip git configuration");
  await writeGlobalGitConfig(ctx.git, cluster.gitUrl, caPath, credentialHelper(ctx));
}

async function runAdd(ctx: CommandContext): Promise<void> {
  const [name, domain, key] = ctx.args as [string, string, string];
  const pin = ctx.str('tls-pin');
  if (pin) decodeTlsPin(pin);
  const urls = clusterUrls(domain, {
    noGit: ctx.flag('no-git'),
    ...(ctx.str('git-url') ? { gitUrl: ctx.str('git-url')! } : {}),
    ...(ctx.str('image-url') ? { imageUrl: ctx.str('image-url')! } : {}),
    ...(ctx.str('controller-url') ? { controllerUrl: ctx.str('controller-url')! } : {}),
  });
  try {
    new URL(urls.controllerUrl);
  } catch {
    throw new CliError(`invalid controller URL ${JSON.stringify(urls.controllerUrl)}`);
  }
  const cluster: FlynnrcCluster = { name, key, ...urls, ...(pin ? { tlsPin: pin } : {}) };
  const { rc } = await ctx.flynnrc();
  const next = addCluster(rc, cluster, { force: ctx.flag('force'), setDefault: ctx.flag('default') });
  if (cluster.gitUrl && !ctx.flag('no-git')) await configureGit(ctx, cluster);
  await ctx.saveFlynnrc(next);
  ctx.out(next.default === name ? `Cluster ${JSON.stringify(name)} added and set as default.` : `Cluster ${JSON.stringify(name)} added.`);
}

async function runRemove(ctx: CommandContext): Promise<void> {
  const name = ctx.args[0]!;
  const { rc } = await ctx.flynnrc();
  const { rc: next, removed, newDefault } = removeCluster(rc, name);
  if (!removed) throw new CliError(`Cluster ${JSON.stringify(name)} does not exist.`);
  await ctx.saveFlynnrc(next);
  if (removed.gitUrl) await removeGlobalGitConfig(ctx.git, removed.gitUrl);
  ctx.out(newDefault ? `Cluster ${JSON.stringify(name)} removed and ${JSON.stringify(newDefault)} is now the default cluster.` : `Cluster ${JSON.stringify(name)} removed.`);
}

async function runDefault(ctx: CommandContext): Promise<void> {
  const { rc } = await ctx.flynnrc();
  const name = ctx.args[0];
  if (name === undefined) {
    const c = rc.clusters.find((x) => x.name === rc.default) ?? rc.clusters[0];
    if (ctx.flag('json')) {
      ctx.json(c ? { name: c.name, controller_url: c.controllerUrl } : null);
      return;
    }
    ctx.table([['NAME', 'URL'], ...(c ? [[c.name, c.controllerUrl, '(default)']] : [])]);
    return;
  }
  await ctx.saveFlynnrc(setDefaultCluster(rc, name));
  ctx.out(`${JSON.stringify(name)} is now the default cluster.`);
}

export const clusterCommand: Command = {
  name: 'cluster',
  summary: 'manage clusters',
  description: 'Manage the clusters in ~/.flynnrc (FLYNNRC overrides the path). With no subcommand, lists them.',
  options: JSON_OPTION,
  run: runList,
  examples: [
    '$ flynn cluster add -p KGCENkp53YF5OvOKkZIry71+czFRkSw2ZdMszZ/0ljs= default dev.localflynn.com e09dc5301d72be755a3d666f617c4600',
    'Cluster "default" added and set as default.',
    '',
    '$ flynn cluster',
    'NAME     CONTROLLER URL                        GIT URL                        IMAGE URL',
    'default  https://controller.dev.localflynn.com  https://git.dev.localflynn.com  https://images.dev.localflynn.com  (default)',
  ],
  subcommands: [
    {
      name: 'add',
      summary: 'add a cluster to ~/.flynnrc',
      description:
        'Adds a cluster. <domain> is the cluster domain (the controller is https://controller.<domain>), or the URL of the controller itself (e.g. http://127.0.0.1:3000 for a local cluster). Unless --no-git, git is configured to use the cluster key for https://git.<domain>.',
      options: {
        force: { type: 'boolean', short: 'f', description: 'replace a cluster with the same name or URLs' },
        default: { type: 'boolean', short: 'd', description: 'set as default cluster' },
        'tls-pin': { type: 'string', short: 'p', valueName: 'pin', description: "base64 SHA-256 of the controller's TLS certificate" },
        'git-url': { type: 'string', valueName: 'url', description: 'git URL (default https://git.<domain>)' },
        'no-git': { type: 'boolean', description: 'skip git configuration' },
        'image-url': { type: 'string', valueName: 'url', description: 'image URL (default https://images.<domain>)' },
        'controller-url': { type: 'string', valueName: 'url', description: 'controller URL (default https://controller.<domain>)' },
      },
      args: [
        { name: 'cluster-name', required: true },
        { name: 'domain', required: true },
        { name: 'key', required: true },
      ],
      run: runAdd,
    },
    { name: 'remove', summary: 'remove a cluster from ~/.flynnrc', args: [{ name: 'cluster-name', required: true }], run: runRemove },
    {
      name: 'default',
      summary: 'show or set the default cluster',
      options: JSON_OPTION,
      args: [{ name: 'cluster-name' }],
      run: runDefault,
    },
    { name: 'list', summary: 'list clusters', options: JSON_OPTION, run: runList },
  ],
};
