/**
 * `flynn-scheduler`: the scheduler and deployer daemon. Composition only:
 *
 *   DISCOVERD=http://10.0.0.1:1111 CONTROLLER_KEY=k PORT=3000 flynn-scheduler
 *
 * Parses the environment (./config.ts), builds the controller client (URLs
 * from `CONTROLLER_URL` or service `controller` in discovery), the host
 * clients, the scheduler loop (registered in `controller-scheduler`: the
 * oldest instance leads), the deployer (it reports deployment progress
 * through the controller API) and the `/debug/state` API on `PORT`; logs JSON lines to stderr; on
 * SIGTERM/SIGINT deregisters (the next scheduler takes over at once), stops
 * the loops and exits 0. Jobs keep running.
 */
import { jsonLogger } from '@flynn-ts/core';
import { runDaemon, runMain, untilAborted } from '@flynn-ts/core/daemon';
import type { Logger } from '@flynn-ts/core';
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import { ControllerClient, discoveredUrls } from '@flynn-ts/controller';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { HostClient } from '@flynn-ts/host';
import { createSchedulerApi, DeployRunner, machineCapacity, Scheduler } from '@flynn-ts/scheduler';
import type { SchedulerController, DeployController, SchedulerHost } from '@flynn-ts/scheduler';
import { ConfigError, parseEnv, USAGE } from './config.js';
import type { SchedulerDaemonConfig } from './config.js';

export { parseEnv, ConfigError, bytes, USAGE } from './config.js';
export type { SchedulerDaemonConfig } from './config.js';

export interface SchedulerDaemon {
  readonly scheduler: Scheduler;
  readonly deployer: DeployRunner;
  readonly http: HttpServerHandle;
  readonly url: string;
  /** Deregisters, stops the loops and the API. Idempotent. */
  close(): Promise<void>;
}

export async function startSchedulerDaemon(config: SchedulerDaemonConfig, logger: Logger): Promise<SchedulerDaemon> {
  const discovery = new DiscoveryClient({ servers: config.discoverd, logger });
  const discovered = config.controllerUrls.length === 0 ? discoveredUrls(discovery, 'controller', logger) : undefined;
  if (discovered) {
    logger.info({ event: 'controller_lookup' }, 'looking up the controller in discovery');
    await discovered.ready(10_000);
  }
  const client = new ControllerClient({ urls: discovered ? discovered.urls : config.controllerUrls, key: config.controllerKey, logger });
  const controller: SchedulerController & DeployController = client;
  const holder: { fetch?: (req: Request) => Response | Promise<Response> } = {};
  const http = await serve((req) => holder.fetch?.(req) ?? new Response(null, { status: 503 }), { host: config.listenIp, port: config.port, logger, graceMs: 2_000 });
  const machine = machineCapacity();
  const scheduler = new Scheduler({
    controller,
    discovery,
    connectHost: (h): SchedulerHost => new HostClient({ url: `http://${h.addr}`, id: h.id, timeoutMs: 5_000, retries: 0, logger }),
    advertiseAddr: `${config.advertiseIp}:${http.port}`,
    defaultHostCapacity: { memory: config.hostMemory ?? machine.memory, cpu: config.hostCpu ?? machine.cpu },
    logger,
    ...(config.name ? { name: config.name } : {}),
  });
  const deployer = new DeployRunner({ controller, scheduler, logger });
  holder.fetch = createSchedulerApi(scheduler, { logger, deployer }).fetch;
  await scheduler.start();
  deployer.start();
  let closed: Promise<void> | undefined;
  return {
    scheduler,
    deployer,
    http,
    url: http.url,
    close() {
      closed ??= (async () => {
        await deployer.close();
        await scheduler.close();
        await http.close();
        discovered?.close();
        await client.close();
        await discovery.close();
        logger.info({ event: 'stopped' }, 'scheduler daemon stopped');
      })();
      return closed;
    },
  };
}

/** Runs the daemon with `env` (`argv`: only `--help`); resolves with the exit code once it has stopped. */
export async function runScheduler(env: Readonly<Record<string, string | undefined>>, argv: readonly string[] = []): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('-help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`flynn-scheduler: unexpected argument ${JSON.stringify(argv[0])}: it is configured by the environment\n\n${USAGE}\n`);
    return 2;
  }
  let config: SchedulerDaemonConfig;
  try {
    config = parseEnv(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`flynn-scheduler: ${err.message}\n`);
    return 2;
  }
  const logger = jsonLogger({ level: config.logLevel, fields: { app: 'scheduler' } });
  return runDaemon(
    async (stop) => {
      let daemon: SchedulerDaemon;
      try {
        daemon = await startSchedulerDaemon(config, logger);
      } catch (err) {
        logger.error({ event: 'start_failed', err }, 'scheduler failed to start');
        return 1;
      }
      logger.info({ event: 'started', url: daemon.url }, 'scheduler started');
      await untilAborted(stop);
      await daemon.close().catch((err: unknown) => logger.error({ event: 'shutdown_failed', err }, 'shutdown failed'));
      return 0;
    },
    { logger },
  );
}

runMain(import.meta.url, 'flynn-scheduler', () => runScheduler(process.env, process.argv.slice(2)), { version: true });
