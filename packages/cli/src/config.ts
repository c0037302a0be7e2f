/**
 * Reading and writing `~/.flynnrc` (`FLYNNRC` overrides the path). The file
 * holds keys, so it is written with mode 0600, atomically (a temp file
 * renamed over it).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CLI_CONFIG, CliError } from './errors.js';
import { formatFlynnrc, parseFlynnrc } from './core/flynnrc.js';
import type { Flynnrc } from './core/flynnrc.js';

/** `$FLYNNRC`, else `<home>/.flynnrc`. */
export function flynnrcPath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return env.FLYNNRC || join(home, '.flynnrc');
}

/** The directory for per-cluster files (`ca-certs/<name>.pem`): `<home>/.flynn`. */
export function flynnDir(home: string): string {
  return join(home, '.flynn');
}

/** The config at `path`; an empty one when the file does not exist. */
export async function readFlynnrc(path: string): Promise<Flynnrc> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { clusters: [] };
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, { code: CLI_CONFIG, cause: err });
  }
  try {
    return parseFlynnrc(text);
  } catch (err) {
    throw new CliError(`${path}: ${(err as Error).message}`, { code: CLI_CONFIG, cause: err });
  }
}

export async function writeFlynnrc(path: string, rc: Flynnrc): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, formatFlynnrc(rc), { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, { code: CLI_CONFIG, cause: err });
  }
}
