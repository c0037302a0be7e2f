/**
 * `flynn-controller`: the controller daemon. Composition only:
 *
 *   AUTH_KEY=k1,k2 DATABASE_URL=postgres://... PORT=3000 DISCOVERD=http://10.0.0.1:1111 flynn-controller
 *
 * Parses the environment (./config.ts), creates the controller (migrations
 * under their advisory lock, event listener, API), serves it (with the
 * upgrade handler for attached one-off jobs), registers service
 * `controller` in discoverd when `DISCOVERD` is set (with no key in the
 * instance meta: components get the key from their own config), logs JSON
 * lines to stderr and on SIGTERM/SIGINT deregisters, ends event streams,
 * lets requests finish, closes the pool and exits 0.
 *
 * With `DISCOVERD`, hosts (`flynn-host` instances, reached with
 * @flynn-ts/host's `HostClient`: job kills and one-off jobs) and log
 * aggregators (`logaggregator`, for `GET /apps/:id/log`) are found there.
 */
import { jsonLogger } from '@flynn-ts/core';
import { runDaemon, runMain, untilAborted } from '@flynn-ts/core/daemon';
import type { Logger } from '@flynn-ts/core';
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import { createController, DiscoveryHosts } from '@flynn-ts/controller';
import type { Controller } from '@flynn-ts/controller';
import { HostClient } from '@flynn-ts/host';
import { DiscoveryClient } from '@flynn-ts/discovery';
import type { Heartbeater } from '@flynn-ts/discovery';
import { ConfigError, parseEnv, USAGE } from './config.js';
import type { ControllerDaemonConfig } from './config.js';

export { parseEnv, ConfigError, USAGE } from './config.js';
export type { ControllerDaemonConfig, PgEnvConfig } from './config.js';

export interface ControllerDaemon {
  readonly controller: Controller;
  readonly http: HttpServerHandle;
  readonly url: string;
  /** Deregisters, ends streams, drains requests, closes everything. Idempotent. */
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 5_000;

/** Starts the daemon from a parsed config. */
export async function startControllerDaemon(config: ControllerDaemonConfig, logger: Logger): Promise<ControllerDaemon> {
  const discovery = config.discoverd.length > 0 ? new DiscoveryClient({ servers: config.discoverd, logger }) : undefined;
  const hosts = discovery ? new DiscoveryHosts(discovery, { logger, clientFor: (h) => new HostClient({ url: h.url, id: h.id, logger }) }) : undefined;
  const controller = await createController({
    database: config.database,
    authKeys: config.authKeys,
    nameSeed: config.nameSeed,
    logger,
    ...(config.defaultRouteDomain ? { defaultRouteDomain: config.defaultRouteDomain } : {}),
    ...(config.caCert ? { caCert: config.caCert } : {}),
    ...(config.poolSize ? { poolSize: config.poolSize } : {}),
    ...(discovery && hosts ? { discovery, hosts: () => hosts.hosts(), hostClientFor: (id: string) => hosts.clientFor(id) } : {}),
  });
  let http: HttpServerHandle;
  try {
    http = await serve(controller.fetch, { host: config.listenIp, port: config.port, logger, graceMs: SHUTDOWN_GRACE_MS });
  } catch (err) {
    await controller.close();
    await hosts?.close();
    throw err;
  }
  http.server.on('upgrade', controller.upgrade);
  let heartbeater: Heartbeater | undefined;
  if (discovery) {
    const addr = `${config.externalIp ?? config.listenIp}:${http.port}`;
    heartbeater = await discovery.register('controller', addr, {}, { proto: 'http' });
    logger.info({ event: 'registered', service: 'controller', addr }, 'registered in discoverd');
  }
  let closed: Promise<void> | undefined;
  return {
    controller,
    http,
    url: http.url,
    close() {
      closed ??= (async () => {
        await heartbeater?.close().catch((err: unknown) => logger.warn({ event: 'deregister_failed', err }, 'deregistration failed'));
        controller.shutdown();
        await http.close();
        await controller.close();
        await hosts?.close();
        await discovery?.close();
        logger.info({ event: 'stopped' }, 'controller stopped');
      })();
      return closed;
    },
  };
}

/** Runs the daemon with `env` (`argv`: only `--help`); resolves with the exit code once it has stopped. */
export async function runController(env: Readonly<Record<string, string | undefined>>, argv: readonly string[] = []): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('-help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`flynn-controller: unexpected argument ${JSON.stringify(argv[0])}: it is configured by the environment\n\n${USAGE}\n`);
    return 2;
  }
  let config: ControllerDaemonConfig;
  try {
    config = parseEnv(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`flynn-controller: ${err.message}\n`);
    return 2;
  }
  const logger = jsonLogger({ level: config.logLevel, fields: { app: 'controller' } });
  return runDaemon(
    async (stop) => {
      let daemon: ControllerDaemon;
      try {
        daemon = await startControllerDaemon(config, logger);
      } catch (err) {
        logger.error({ event: 'start_failed', err }, 'controller failed to start');
        return 1;
      }
      logger.info({ event: 'started', url: daemon.url }, 'controller started');
      await untilAborted(stop);
      await daemon.close().catch((err: unknown) => logger.error({ event: 'shutdown_failed', err }, 'shutdown failed'));
      return 0;
    },
    { logger },
  );
}

runMain(import.meta.url, 'flynn-controller', () => runController(process.env, process.argv.slice(2)), { version: true });
