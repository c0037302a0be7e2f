/**
 * Command line and environment of the kv-server example. Flags win over
 * environment variables (`KV_ID`, `KV_LISTEN`, `KV_PEERS`, `KV_DATA_DIR`,
 * `KV_TICK_MS`, `KV_ELECTION_TICKS`, `KV_TIMEOUT_MS`, `KV_SYNC=0`, `KV_LOG_LEVEL`).
 */
import { parseArgs } from 'node:util';
import { ValidationError } from '@flynn-ts/core';
import type { LogLevel } from '@flynn-ts/core';

export interface KvServerConfig {
  /** Node id; by default the listen address. */
  id: string;
  host: string;
  port: number;
  /** Founding voters, id → raft address (`host:port`), this node included. */
  peers: Record<string, string>;
  dataDir: string;
  /** Milliseconds per raft tick (= heartbeat interval). Default 100, etcd's heartbeat interval. */
  tickMs: number;
  /** Election timeout in ticks. Default 10 (1 s at 100 ms, etcd's default). */
  electionTicks: number;
  /** Timeout of one client proposal or read, in ms. */
  timeoutMs: number;
  sync: boolean;
  logLevel: LogLevel;
}

export const KV_SERVER_USAGE = `usage: kv-server --listen host:port --data-dir DIR [--id ID] [--peers id=host:port,...]
                 [--tick-ms 100] [--election-ticks 10] [--timeout-ms 5000] [--no-sync] [--log-level info]`;

export function parseKvServerArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): KvServerConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      id: { type: 'string' },
      listen: { type: 'string' },
      peers: { type: 'string' },
      'data-dir': { type: 'string' },
      'tick-ms': { type: 'string' },
      'election-ticks': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'no-sync': { type: 'boolean' },
      'log-level': { type: 'string' },
    },
  });
  const listen = values.listen ?? env.KV_LISTEN;
  const dataDir = values['data-dir'] ?? env.KV_DATA_DIR;
  if (!listen || !dataDir) throw new ValidationError('argv', `--listen and --data-dir are required\n${KV_SERVER_USAGE}`);
  const { host, port } = splitHostPort(listen);
  const id = values.id ?? env.KV_ID ?? `${host}:${port}`;
  const peers = parsePeers(values.peers ?? env.KV_PEERS ?? '', id, `${host}:${port}`);
  const level = values['log-level'] ?? env.KV_LOG_LEVEL ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new ValidationError('log-level', `bad --log-level ${level}`);
  return {
    id,
    host,
    port,
    peers,
    dataDir,
    tickMs: positive(values['tick-ms'] ?? env.KV_TICK_MS, 100, 'tick-ms'),
    electionTicks: positive(values['election-ticks'] ?? env.KV_ELECTION_TICKS, 10, 'election-ticks'),
    timeoutMs: positive(values['timeout-ms'] ?? env.KV_TIMEOUT_MS, 5_000, 'timeout-ms'),
    sync: !(values['no-sync'] ?? env.KV_SYNC === '0'),
    logLevel: level as LogLevel,
  };
}

/** `id=host:port,...`; an entry without `=` is its own id. Empty = this node alone. */
function parsePeers(spec: string, self: string, selfAddress: string): Record<string, string> {
  const peers: Record<string, string> = {};
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const [id, addr] = eq < 0 ? [item, item] : [item.slice(0, eq), item.slice(eq + 1)];
    splitHostPort(addr);
    peers[id] = addr;
  }
  if (Object.keys(peers).length === 0) peers[self] = selfAddress;
  if (!(self in peers)) throw new ValidationError('peers', `--peers must include this node (${self})`);
  return peers;
}

function splitHostPort(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !(port > 0 && port < 65536)) throw new ValidationError('address', `bad address ${JSON.stringify(s)}: want host:port`);
  return { host: m[1], port };
}

function positive(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new ValidationError(name, `bad --${name} ${JSON.stringify(v)}: want a positive integer`);
  return n;
}
