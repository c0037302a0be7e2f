/**
 * `<data>/cluster.json`: written once the developer cluster is bootstrapped
 * (mode 0600: it holds the controller key). Its presence means "resume,
 * don't bootstrap"; it records the jobs the bootstrap started directly on
 * the host (the controller and the scheduler), which a later start runs
 * again, since nothing else would: the scheduler restarts everything else.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from '@flynn-ts/host';

export interface DevClusterState {
  version: 1;
  domain: string;
  controllerKey: string;
  /** Base64 SHA-256 of the router's certificate for `*.<domain>`. */
  tlsPin: string;
  caCert: string;
  createdAt: string;
  /** The ports the cluster was bootstrapped with (its releases recorded them). */
  ports?: Record<string, number>;
  /** How jobs run (absent: `process`, the only driver before). A resumed cluster keeps it. */
  driver?: 'oci' | 'process';
  /** Jobs the bootstrap ran directly on hosts, as sent. */
  bootstrapJobs: { hostId: string; job: Job }[];
}

export function statePath(dataDir: string): string {
  return join(dataDir, 'cluster.json');
}

/** The marker of a bootstrap that started and has not finished (or failed). */
export function inProgressPath(dataDir: string): string {
  return join(dataDir, 'bootstrap-in-progress');
}

export function readDevState(dataDir: string): DevClusterState | undefined {
  const path = statePath(dataDir);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); remove ${dataDir} to start over`);
  }
  const s = parsed as Partial<DevClusterState>;
  if (s.version !== 1 || typeof s.controllerKey !== 'string' || !Array.isArray(s.bootstrapJobs)) throw new Error(`${path} is not a flynn-ts cluster state file; remove ${dataDir} to start over`);
  return s as DevClusterState;
}

export function writeDevState(dataDir: string, state: DevClusterState): void {
  const path = statePath(dataDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
