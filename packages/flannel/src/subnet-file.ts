/**
 * flannel's `subnet.env` on disk: written atomically (temp file + rename) once
 * the lease is held, read at the next start to ask for the same subnet.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatSubnetEnv, subnetFromEnv } from './core/network-info.js';
import type { NetworkInfo } from './core/network-info.js';

/** Writes `FLANNEL_NETWORK`, `FLANNEL_SUBNET`, `FLANNEL_MTU`, `FLANNEL_IPMASQ` to `path`. */
export async function writeSubnetFile(path: string, info: NetworkInfo): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, formatSubnetEnv(info), { mode: 0o644 });
  await rename(tmp, path);
}

/** The subnet recorded at `path` (e.g. `100.100.23.0/24`), or undefined when the file is absent or has none. */
export async function readSubnetFile(path: string): Promise<string | undefined> {
  try {
    return subnetFromEnv(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
