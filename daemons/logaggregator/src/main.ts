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
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { LogAggregator } from '@flynn-ts/logaggregator';
import { ConfigError, parseCommandLine } from './config.js';
import type { LogAggregatorConfig } from './config.js';

export { parseCommandLine, parseListenAddr, ConfigError, USAGE } from './config.js';
export type { LogAggregatorConfig, ParsedCommandLine } from './config.js';

/** Runs the daemon with `argv` and `env` until SIGTERM/SIGINT; resolves with the exit code. */
export async function runLogAggregator(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n\nrun with --help for usage\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${parsed.text}\n`);
    return 0;
  }
  const config = parsed.config;
  const logger = jsonLogger({ level: config.logLevel, fields: { app: 'logaggregator' } });
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      logger.warn({ event: 'signal', signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    logger.info({ event: 'signal', signal }, 'shutting down');
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await serve(config, logger, stop.signal);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
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
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  await agg.close();
  await discovery?.close();
  logger.info({ event: 'stopped' }, 'flynn-logaggregator stopped');
  return 0;
}

/** True when this module is the program (`node main.js`, the bin link, or tsx). */
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
  runLogAggregator(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`flynn-logaggregator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
