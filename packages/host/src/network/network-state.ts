import { readFile } from 'node:fs/promises';
import type { HostNetworkConfig } from '../contracts.js';
import { writeFileDurable } from '../job/atomic-file.js';
import { NetworkError } from './network-error.js';

/** What the network module keeps per attached job (persisted, so a restarted daemon can adopt or clean up). */
export interface JobNetworkRecord {
  ip: string;
  /** Name under /run/netns. */
  netns: string;
  /** Host end of the veth pair (on the bridge). */
  hostVeth: string;
  /** MAC of the job's eth0. */
  mac: string;
}

/** `<stateDir>/network.json`, written atomically after every change. */
export interface NetworkState {
  v: 1;
  bridge: string;
  /** The last config applied with `configure()`, for `restore()` after a restart. */
  config?: HostNetworkConfig;
  jobs: Record<string, JobNetworkRecord>;
}

export function emptyNetworkState(bridge: string): NetworkState {
  return { v: 1, bridge, jobs: {} };
}

/** Reads the state file; a missing file is an empty state, a malformed one a `FLYNN_HOST_NETWORK_STATE` error. */
export async function loadNetworkState(path: string, bridge: string): Promise<NetworkState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyNetworkState(bridge);
    throw new NetworkError('FLYNN_HOST_NETWORK_STATE', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new NetworkError('FLYNN_HOST_NETWORK_STATE', `${path} is not JSON`, { cause: err });
  }
  if (!isNetworkState(parsed)) throw new NetworkError('FLYNN_HOST_NETWORK_STATE', `${path} does not hold network state (v1)`);
  if (parsed.bridge !== bridge) {
    throw new NetworkError('FLYNN_HOST_NETWORK_STATE', `${path} belongs to bridge ${parsed.bridge}, not ${bridge}`);
  }
  return parsed;
}

export async function saveNetworkState(path: string, state: NetworkState): Promise<void> {
  await writeFileDurable(path, JSON.stringify(state, null, 2) + '\n', 0o600);
}

function isNetworkState(v: unknown): v is NetworkState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<NetworkState>;
  if (s.v !== 1 || typeof s.bridge !== 'string' || typeof s.jobs !== 'object' || s.jobs === null) return false;
  return Object.values(s.jobs).every(
    (r: Partial<JobNetworkRecord>) =>
      typeof r === 'object' && r !== null && typeof r.ip === 'string' && typeof r.netns === 'string' && typeof r.hostVeth === 'string' && typeof r.mac === 'string',
  );
}
