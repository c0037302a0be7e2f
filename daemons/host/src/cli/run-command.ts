/**
 * `flynn-host run [--image FILE] -- COMMAND...`: runs a job attached (as the
 * original: attach first, so nothing of its output is missed, then start it),
 * relays stdin/stdout/stderr, forwards SIGINT/SIGTERM, and exits with the
 * job's exit code. `-d` only starts it and prints the id.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Job, MountSpec } from '@flynn-ts/host';
import { manifestProblem, mountspecsFromManifest, newJobId } from '@flynn-ts/host';
import type { ImageManifest } from '@flynn-ts/host';
import { cryptoRandom } from '@flynn-ts/core';
import type { CommandContext } from './context.js';
import { client, pairs, parse, UsageError } from './context.js';

export async function run({ argv, io }: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, {
    image: { type: 'string' },
    'layer-url': { type: 'string' },
    env: { type: 'string', short: 'e', multiple: true },
    id: { type: 'string' },
    detached: { type: 'boolean', short: 'd' },
    'host-network': { type: 'boolean' },
  });
  const image = values.image ? await loadImage(values.image as string, values['layer-url'] as string | undefined) : undefined;
  const args = positionals.length > 0 ? positionals : (image?.args ?? []);
  if (args.length === 0) throw new UsageError('run needs a command (after --), or an image with a default entrypoint');
  const c = client(values, io);
  try {
    const id = (values.id as string | undefined) ?? newJobId((await c.status()).id, cryptoRandom());
    const job: Job = {
      id,
      config: { args, env: { ...(image?.env ?? {}), ...pairs(values.env as string[] | undefined, 'env') }, stdin: !values.detached, disable_log: false },
    };
    if (image?.cwd) job.config.working_dir = image.cwd;
    if (values['host-network']) job.config.host_network = true;
    if (image) job.mountspecs = image.mountspecs;
    if (values.detached) {
      job.config.stdin = false;
      await c.addJob(job);
      io.out(`${id}\n`);
      return 0;
    }
    const session = await c.attach({ jobId: id, stdin: true });
    session.stdout.on('data', (d: Buffer) => io.out(d.toString('utf8')));
    session.stderr.on('data', (d: Buffer) => io.err(d.toString('utf8')));
    const forward = (sig: NodeJS.Signals) => session.signal(sig === 'SIGINT' ? 2 : 15);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    try {
      await c.addJob(job);
      await session.attached;
      io.stdin.pipe(session.stdin);
      const code = await session.exit;
      return code ?? 1;
    } finally {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      io.stdin.unpipe(session.stdin);
      (io.stdin as NodeJS.ReadableStream & { pause?: () => void }).pause?.();
      session.close();
    }
  } finally {
    await c.close();
  }
}

interface LoadedImage {
  mountspecs: MountSpec[];
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** A manifest (with its `_default` entrypoint), a list of mountspecs, or `{mountspecs: [...]}`. */
async function loadImage(path: string, layerUrl: string | undefined): Promise<LoadedImage> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--image ${path}: ${(err as Error).message}`);
  }
  if (Array.isArray(value)) return { mountspecs: value as MountSpec[] };
  const obj = value as { mountspecs?: MountSpec[]; _type?: string };
  if (Array.isArray(obj?.mountspecs)) return { mountspecs: obj.mountspecs };
  const problem = manifestProblem(value);
  if (problem) throw new UsageError(`--image ${path}: ${problem}`);
  const manifest = value as ImageManifest;
  const template = layerUrl ?? `${pathToFileURL(dirname(path)).href}/{id}.squashfs`;
  const loaded: LoadedImage = { mountspecs: mountspecsFromManifest(manifest, template) };
  const entry = manifest.entrypoints?._default;
  if (entry?.args && entry.args.length > 0) loaded.args = entry.args;
  if (entry?.env) loaded.env = entry.env;
  if (entry?.cwd) loaded.cwd = entry.cwd;
  return loaded;
}
