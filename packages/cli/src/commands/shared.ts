/** Helpers several commands share: option presets, optional lookups, env edits that create a release and deploy it. */
import { FlynnError } from '@flynn-ts/core';
import type { ControllerClient, Release } from '@flynn-ts/controller';
import type { CommandContext, OptionSpec } from '../command.js';
import { parseDuration } from '../core/human-time.js';
import { CliError, UsageError } from '../errors.js';
import { deployRelease } from '../waits.js';

export const JSON_OPTION: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'print JSON (for scripts)' },
};

export const REMOTE_OPTION: Readonly<Record<string, OptionSpec>> = {
  remote: { type: 'string', short: 'r', valueName: 'remote', description: 'name of the git remote (default "flynn")' },
};

export const YES_OPTION: Readonly<Record<string, OptionSpec>> = {
  yes: { type: 'boolean', short: 'y', description: 'skip the confirmation prompt' },
};

export function isNotFound(err: unknown): boolean {
  return FlynnError.is(err) && (err.status === 404 || err.apiCode === 'not_found' || err.apiCode === 'object_not_found');
}

/** The app's current release, or undefined when it has none. */
export async function currentRelease(client: ControllerClient, app: string): Promise<Release | undefined> {
  try {
    return await client.getAppRelease(app);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** `K=V` arguments → map (original message for a missing `=`). */
export function parsePairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i < 0) throw new CliError(`invalid var format: ${JSON.stringify(p)}`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** A `--timeout` option's value in ms (undefined when not given). */
export function timeoutOption(ctx: CommandContext, name = 'timeout'): number | undefined {
  const v = ctx.str(name);
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new UsageError(`invalid --${name} ${JSON.stringify(v)}: use seconds or a duration like 30s, 2m`, ctx.path);
  return ms;
}

/** Creates a release like `base` (or an empty one) with `change` applied, deploys it and returns its id. */
export async function releaseWith(ctx: CommandContext, change: (r: Pick<Release, 'artifacts' | 'env' | 'meta' | 'processes'>, id: string | undefined) => void): Promise<string> {
  const client = await ctx.client();
  const app = await client.getApp(await ctx.app());
  const base = await currentRelease(client, app.id);
  const next = {
    artifacts: [...(base?.artifacts ?? [])],
    env: { ...(base?.env ?? {}) },
    meta: { ...(base?.meta ?? {}) },
    processes: structuredClone(base?.processes ?? {}),
  };
  change(next, base?.id);
  const release = await client.createRelease(app.id, next);
  await deployRelease(client, app.id, release.id, { clock: ctx.clock, signal: ctx.signal });
  return release.id;
}

/**
 * Sets (string) and unsets (null) env vars of the release or of one process
 * type, as a new release that is then deployed (the original's `setEnv`).
 */
export function setEnv(ctx: CommandContext, processType: string | undefined, changes: Readonly<Record<string, string | null>>): Promise<string> {
  return releaseWith(ctx, (r, id) => {
    let dest = r.env;
    if (processType) {
      if (!id && !r.processes[processType]) r.processes[processType] = {};
      const proc = r.processes[processType];
      if (!proc) throw new CliError(`process ${JSON.stringify(processType)} in release ${id ?? '(none)'} not found`);
      proc.env ??= {};
      dest = proc.env;
    }
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete dest[k];
      else dest[k] = v;
    }
  });
}

/** Reads a JSON file for a command, with errors that name the file. */
export async function readJsonFile(path: string): Promise<unknown> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}
