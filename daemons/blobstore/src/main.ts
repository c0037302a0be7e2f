/**
 * `flynn-blobstore`: the blobstore daemon (reference §9).
 *
 *   DATABASE_URL=postgres://... PORT=3001 DISCOVERD=http://10.0.0.1:1111 flynn-blobstore
 *   flynn-blobstore --dir /var/lib/flynn/blobs
 *
 * Parses argv/env (./config.ts), opens the backend (PostgreSQL, migrated
 * under an advisory lock, or a directory), serves the blob API from
 * `@flynn-ts/blobstore` and registers `blobstore` in discovery. JSON log
 * lines go to stderr. SIGTERM/SIGINT: deregister, finish requests, exit 0.
 */
import { jsonLogger } from '@flynn-ts/core';
import { readCommandLine, runDaemon, runMain, untilAborted } from '@flynn-ts/core/daemon';
import type { Logger } from '@flynn-ts/core';
import { serve } from '@flynn-ts/core/http';
import { createBlobstoreApi, DirectoryBackend, PostgresBackend } from '@flynn-ts/blobstore';
import type { BlobBackend } from '@flynn-ts/blobstore';
import { DiscoveryClient } from '@flynn-ts/discovery';
import type { Heartbeater } from '@flynn-ts/discovery';
import { ConfigError, parseCommandLine } from './config.js';
import type { BlobstoreConfig } from './config.js';

export { parseCommandLine, parseListenAddr, ConfigError, USAGE } from './config.js';
export type { BlobstoreConfig, BackendConfig, ParsedCommandLine } from './config.js';

/** Runs the daemon with `argv` and `env` until SIGTERM/SIGINT; resolves with the exit code. */
export async function runBlobstore(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const parsed = readCommandLine(() => parseCommandLine(argv, env), ConfigError);
  if ('exitCode' in parsed) return parsed.exitCode;
  const config = parsed.config;
  const logger = jsonLogger({ level: config.logLevel, fields: { app: 'blobstore' } });
  return runDaemon((stop) => run(config, logger, stop), { logger });
}

async function run(config: BlobstoreConfig, logger: Logger, signal: AbortSignal): Promise<number> {
  let backend: BlobBackend;
  try {
    backend =
      config.backend.kind === 'directory'
        ? await DirectoryBackend.open({ dir: config.backend.dir })
        : await PostgresBackend.open({ logger, ...(config.backend.connectionString ? { connectionString: config.backend.connectionString } : {}) });
  } catch (err) {
    logger.error({ event: 'backend_failed', err, backend: config.backend.kind }, 'cannot open the blob backend');
    return 1;
  }
  const api = createBlobstoreApi({ backend, logger, ...(config.maxBlobBytes !== undefined ? { maxBlobBytes: config.maxBlobBytes } : {}) });
  const discovery = config.discoverd.length > 0 ? new DiscoveryClient({ servers: config.discoverd, logger }) : undefined;
  let http;
  let heartbeater: Heartbeater | undefined;
  try {
    http = await serve(api.fetch, { host: config.host, port: config.port, logger, graceMs: 10_000 });
    if (discovery) {
      const wildcard = config.host === '0.0.0.0' || config.host === '::';
      const host = config.advertiseHost ?? (wildcard ? '127.0.0.1' : config.host);
      heartbeater = await discovery.register(config.serviceName, `${host.includes(':') ? `[${host}]` : host}:${http.port}`, {}, { signal });
    }
  } catch (err) {
    logger.error({ event: 'start_failed', err }, 'flynn-blobstore failed to start');
    await http?.close();
    await discovery?.close();
    await backend.close();
    return 1;
  }
  logger.info({ event: 'started', url: http.url, backend: backend.kind, registered: heartbeater?.addr ?? null }, 'flynn-blobstore running');
  await untilAborted(signal);
  await heartbeater?.close().catch((err: unknown) => logger.warn({ err }, 'deregistering failed'));
  await http.close();
  await discovery?.close();
  await backend.close();
  logger.info({ event: 'stopped' }, 'flynn-blobstore stopped');
  return 0;
}

runMain(import.meta.url, 'flynn-blobstore', () => runBlobstore(process.argv.slice(2), process.env), { version: true });
