/** `flynn release`: list, add, show, rollback and delete releases. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArtifactType, Release } from '@flynn-ts/controller';
import { ARTIFACT_TYPES } from '@flynn-ts/controller';
import type { Command, CommandContext } from '../command.js';
import { humanTime } from '../core/human-time.js';
import { CliError, UsageError } from '../errors.js';
import { deployRelease } from '../waits.js';
import { currentRelease, JSON_OPTION, readJsonFile, YES_OPTION } from './shared.js';

async function runList(ctx: CommandContext): Promise<void> {
  const releases = await (await ctx.client()).appReleaseList(await ctx.app());
  if (ctx.flag('json')) ctx.json(releases);
  else if (ctx.flag('quiet')) for (const r of releases) ctx.out(r.id);
  else ctx.table([['ID', 'Created'], ...releases.map((r) => [r.id, humanTime(ctx.clock.now(), r.created_at)])]);
}

/** The release fields a `-f` config file may set (the original's Release JSON). */
function releaseConfig(v: unknown, file: string): Pick<Release, 'env' | 'meta' | 'processes'> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CliError(`${file}: must be a JSON object (a release: env, meta, processes)`);
  const o = v as Partial<Release>;
  return { env: o.env ?? {}, meta: o.meta ?? {}, processes: o.processes ?? {} };
}

async function runAdd(ctx: CommandContext): Promise<void> {
  const manifestFile = ctx.str('manifest');
  const uriArg = ctx.args[0];
  if (!manifestFile && !uriArg) throw new UsageError('give an artifact <uri>, or an image manifest with --manifest <file>', ctx.path);
  const type = (ctx.str('type') ?? (manifestFile ? 'flynn' : 'docker')) as ArtifactType;
  if (!ARTIFACT_TYPES.includes(type)) throw new UsageError(`Release type ${type} not supported (one of ${ARTIFACT_TYPES.join(', ')}).`, ctx.path);
  if (manifestFile && type !== 'flynn') throw new UsageError('--manifest makes a flynn artifact; leave out -t or use -t flynn', ctx.path);
  const config = ctx.str('file') ? releaseConfig(await readJsonFile(ctx.str('file')!), ctx.str('file')!) : { env: {}, meta: {}, processes: {} };
  let manifest: unknown;
  let uri = uriArg;
  if (manifestFile) {
    const path = resolve(ctx.io.cwd, manifestFile);
    manifest = await readJsonFile(path);
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new CliError(`${manifestFile}: an image manifest must be a JSON object`);
    // A stable URI for this exact manifest (artifacts are unique by type and URI).
    uri ??= `${pathToFileURL(path).href}?sha256=${createHash('sha256').update(await readFile(path)).digest('hex')}`;
  }
  const client = await ctx.client();
  const app = await client.getApp(await ctx.app());
  const artifact = await client.createArtifact({ type, uri: uri!, ...(manifest !== undefined ? { manifest } : {}) });
  const release = await client.createRelease(app.id, { ...config, artifacts: [artifact.id] });
  if (!ctx.flag('no-deploy')) await deployRelease(client, app.id, release.id, { clock: ctx.clock, signal: ctx.signal });
  ctx.out(`Created release ${release.id}.`);
}

async function runShow(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const id = ctx.args[0];
  const release = id ? await client.getRelease(id) : await currentRelease(client, await ctx.app());
  if (!release) throw new CliError('the app has no release yet');
  if (ctx.flag('json')) {
    ctx.json(release);
    return;
  }
  const artifacts = [];
  for (const a of release.artifacts) {
    const artifact = await client.getArtifact(a);
    artifacts.push(`${artifact.type}+${artifact.uri}`);
  }
  const sorted = (m: Record<string, string>) => Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  ctx.table([
    ['ID:', release.id],
    ...artifacts.map((a, i) => [`Artifact[${i}]:`, a]),
    ['Process Types:', Object.keys(release.processes).sort().join(', ')],
    ['Created At:', release.created_at],
    ...sorted(release.env).map(([k, v]) => [`ENV[${k}]`, v]),
    ...sorted(release.meta).map(([k, v]) => [`META[${k}]`, v]),
  ]);
}

async function runRollback(ctx: CommandContext): Promise<void> {
  const app = await ctx.app();
  const client = await ctx.client();
  const current = await currentRelease(client, app);
  if (!current) throw new CliError('the app has no release to roll back from');
  let target = ctx.args[0];
  if (target === current.id) throw new CliError('Release id given is the current release.');
  if (!target) {
    const older = (await client.appReleaseList(app)).filter((r) => r.id !== current.id && r.created_at <= current.created_at);
    older.sort((a, b) => b.created_at.localeCompare(a.created_at));
    target = older[0]?.id;
    if (!target) throw new CliError('Not enough releases to perform a rollback.');
  }
  if (!ctx.flag('yes') && !(await ctx.confirm(`Are you sure you want to rollback to release ${JSON.stringify(target)}?`))) return;
  ctx.out(`Rolling back to release ${target} from ${current.id}.`);
  await deployRelease(client, app, target, { clock: ctx.clock, signal: ctx.signal });
  ctx.out(`Successfully rolled back to release ${target}.`);
}

async function runDelete(ctx: CommandContext): Promise<void> {
  const id = ctx.args[0]!;
  if (!ctx.flag('yes') && !(await ctx.confirm(`Are you sure you want to delete release ${JSON.stringify(id)}?`))) return;
  await (await ctx.client()).deleteRelease(await ctx.app(), id);
  ctx.out(`Deleted release ${id}.`);
}

export const releaseCommand: Command = {
  name: 'release',
  summary: 'manage app releases',
  options: { quiet: { type: 'boolean', short: 'q', description: 'only print release IDs' }, ...JSON_OPTION },
  run: runList,
  examples: [
    '$ cat config.json',
    '{"env": {"GREETING": "hello"}, "processes": {"web": {"args": ["/bin/server"], "ports": [{"proto": "tcp"}]}}}',
    '$ flynn release add --manifest image.json -f config.json',
    'Created release 989ce4a8-0088-444c-8379-caddded4b957.',
    '',
    '$ flynn release show',
    'ID:             989ce4a8-0088-444c-8379-caddded4b957',
    'Artifact[0]:    flynn+file:///home/me/image.json?sha256=…',
    'Process Types:  web',
  ],
  subcommands: [
    { name: 'list', summary: 'list releases', options: { quiet: { type: 'boolean', short: 'q', description: 'only print release IDs' }, ...JSON_OPTION }, run: runList },
    {
      name: 'add',
      summary: 'create a release from an image manifest or artifact URI, and deploy it',
      description:
        'Creates an artifact (a flynn image from --manifest, or the <uri> of type -t, default docker), a release of it with the env, meta and processes of the -f config file, and deploys it.',
      options: {
        type: { type: 'string', short: 't', description: 'artifact type: flynn, docker or file (default: flynn with --manifest, else docker)' },
        file: { type: 'string', short: 'f', description: 'release configuration (JSON: env, meta, processes)' },
        manifest: { type: 'string', short: 'm', valueName: 'file', description: 'flynn image manifest (JSON) for the artifact' },
        'no-deploy': { type: 'boolean', description: 'create the release without deploying it' },
      },
      args: [{ name: 'uri' }],
      run: runAdd,
    },
    { name: 'show', summary: 'show a release (default: the current one)', options: JSON_OPTION, args: [{ name: 'id' }], run: runShow },
    { name: 'rollback', summary: 'deploy the previous (or given) release', options: YES_OPTION, args: [{ name: 'id' }], run: runRollback },
    { name: 'delete', summary: 'delete a release', options: YES_OPTION, args: [{ name: 'id', required: true }], run: runDelete },
  ],
};
