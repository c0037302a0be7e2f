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
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { ConfigError, parseCommandLine } from './config.js';
import { startDiscoverd } from './start-discoverd.js';

export { startDiscoverd } from './start-discoverd.js';
export type { Discoverd, DiscoverdOptions } from './start-discoverd.js';
export { parseCommandLine, ConfigError, USAGE } from './config.js';
export type { DiscoverdConfig, ParsedCommandLine } from './config.js';

/** Runs the daemon with `argv` and `env`; resolves with the exit code. */
export async function runDiscoverd(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n\nrun with -help for usage\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${parsed.text}\n`);
    return 0;
  }
  const config = parsed.config;
  const logger: Logger = jsonLogger({ level: config.logLevel, fields: { app: 'discoverd' } });
  if (config.waitNetDns) logger.warn({ event: 'flag_ignored', flag: 'wait-net-dns' }, '-wait-net-dns is accepted but ignored');

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

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ event: 'signal', signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    logger.info({ event: 'signal', signal }, 'shutting down');
    void daemon.close();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await daemon.stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return 0;
}

/** True when this module is the program (`node main.js`, the `discoverd` bin link, or tsx). */
function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runDiscoverd(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`discoverd: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
