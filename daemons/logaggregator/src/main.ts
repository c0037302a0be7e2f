/**
 * `flynn-logaggregator`: the log aggregator daemon (reference §10).
 *
 *   PORT_0=5000 PORT_1=3000 DISCOVERD=http://10.0.0.1:1111 EXTERNAL_IP=10.0.0.5 flynn-logaggregator
 *
 * Parses argv/env (./config.ts) and runs a `LogAggregator` from
 * `@flynn-ts/logaggregator`: with discoverd it refills from a peer, then
 * registers as `logaggregator` (the syslog address, meta API_PORT). JSON log
 * lines go to stderr. SIGTERM/SIGINT: deregister, close, exit 0.
 */
import { jsonLogger } from '@flynn-ts/core';
import { readCommandLine, runDaemon, runMain, untilAborted } from '@flynn-ts/core/daemon';
import type { Logger } from '@flynn-ts/core';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { LogAggregator } from '@flynn-ts/logaggregator';
import { ConfigError, parseCommandLine } from './config.js';
import type { LogAggregatorConfig } from './config.js';

export { parseCommandLine, parseListenAddr, ConfigError, USAGE } from './config.js';
export type { LogAggregatorConfig, ParsedCommandLine } from './config.js';

/** Runs the daemon with `argv` and `env` until SIGTERM/SIGINT; resolves with the exit code. */
export async function runLogAggregator(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const parsed = readCommandLine(() => parseCommandLine(argv, env), ConfigError);
  if ('exitCode' in parsed) return parsed.exitCode;
  const config = parsed.config;
  const logger = jsonLogger({ level: config.logLevel, fields: { app: 'logaggregator' } });
  return runDaemon((stop) => serve(config, logger, stop), { logger });
}

async function serve(config: LogAggregatorConfig, logger: Logger, signal: AbortSignal): Promise<number> {
  const discovery = config.discoverd.length > 0 ? new DiscoveryClient({ servers: config.discoverd, logger, ...(config.advertiseHost ? { externalIp: config.advertiseHost } : {}) }) : undefined;
  const wildcard = config.syslogHost === '0.0.0.0' || config.syslogHost === '::';
  let agg: LogAggregator;
  try {
    agg = await LogAggregator.start({
      apiHost: config.apiHost,
      apiPort: config.apiPort,
      syslogHost: config.syslogHost,
      syslogPort: config.syslogPort,
      serviceName: config.serviceName,
      refill: config.refill,
      logger,
      advertiseHost: config.advertiseHost ?? (wildcard ? '127.0.0.1' : config.syslogHost),
      ...(discovery ? { discovery } : {}),
    });
  } catch (err) {
    logger.error({ event: 'start_failed', err }, 'flynn-logaggregator failed to start');
    await discovery?.close();
    return 1;
  }
  logger.info({ event: 'started', api: agg.apiUrl, syslogPort: agg.syslogPort, registered: agg.registeredAddr ?? null }, 'flynn-logaggregator running');
  await untilAborted(signal);
  await agg.close();
  await discovery?.close();
  logger.info({ event: 'stopped' }, 'flynn-logaggregator stopped');
  return 0;
}

runMain(import.meta.url, 'flynn-logaggregator', () => runLogAggregator(process.argv.slice(2), process.env), { version: true });
