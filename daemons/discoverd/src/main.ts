/**
 * `discoverd`: the flynn-ts service discovery daemon.
 *
 *   discoverd -data-dir=/data -host=10.0.0.1 -peers=10.0.0.1:1111,10.0.0.2:1111 -dns-addr=10.0.0.1:53
 *
 * Run as a program it parses the command line (./config.ts), starts the
 * server (./start-discoverd.ts), logs JSON lines to stderr and stops
 * gracefully on SIGTERM/SIGINT (deregister itself, hand raft leadership
 * over, close the listeners, exit 0). Imported, it exports
 * {@link startDiscoverd} to run the same server inside another program.
 */
import { jsonLogger, onAbort } from '@flynn-ts/core';
import { readCommandLine, runDaemon, runMain } from '@flynn-ts/core/daemon';
import type { Logger } from '@flynn-ts/core';
import { ConfigError, parseCommandLine } from './config.js';
import { startDiscoverd } from './start-discoverd.js';

export { startDiscoverd } from './start-discoverd.js';
export type { Discoverd, DiscoverdOptions } from './start-discoverd.js';
export { parseCommandLine, ConfigError, USAGE } from './config.js';
export type { DiscoverdConfig, ParsedCommandLine } from './config.js';

/** Runs the daemon with `argv` and `env`; resolves with the exit code. */
export async function runDiscoverd(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const parsed = readCommandLine(() => parseCommandLine(argv, env), ConfigError, { helpFlag: '-help' });
  if ('exitCode' in parsed) return parsed.exitCode;
  const config = parsed.config;
  const logger: Logger = jsonLogger({ level: config.logLevel, fields: { app: 'discoverd' } });
  if (config.waitNetDns) logger.warn({ event: 'flag_ignored', flag: 'wait-net-dns' }, '-wait-net-dns is accepted but ignored');

  return runDaemon(async (stop) => {
    let daemon;
    try {
      daemon = await startDiscoverd({
        dataDir: config.dataDir,
        host: config.host,
        addr: config.addr,
        peers: config.peers,
        recursors: config.recursors,
        logger,
        logLevel: config.logLevel,
        dnsWorkers: config.dnsWorkers,
        ...(config.dnsAddr ? { dnsAddr: config.dnsAddr } : {}),
        ...(config.notify ? { notify: config.notify } : {}),
        ...(config.jobId ? { jobId: config.jobId } : {}),
        ...(config.ttlMs !== undefined ? { ttlMs: config.ttlMs } : {}),
      });
    } catch (err) {
      logger.error({ event: 'start_failed', err }, 'discoverd failed to start');
      return 1;
    }
    const running = daemon;
    onAbort(stop, () => void running.close());
    await running.stopped;
    return 0;
  }, { logger });
}

runMain(import.meta.url, 'discoverd', () => runDiscoverd(process.argv.slice(2), process.env), { version: true });
