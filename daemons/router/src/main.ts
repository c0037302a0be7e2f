/**
 * `flynn-router`: the flynn-ts router daemon (HTTP/HTTPS/TCP edge).
 *
 *   COOKIE_KEY=$(head -c32 /dev/urandom | base64) flynn-router -http-port 80 -https-port 443 \
 *     -tls-cert cert.pem -tls-key key.pem -discoverd http://127.0.0.1:1111 -workers auto
 *
 * Parses the command line (./config.ts), starts the router (./start-router.ts),
 * logs JSON lines to stderr and stops gracefully on SIGTERM/SIGINT: leaves
 * discovery, stops accepting, lets requests in flight finish (up to
 * -shutdown-grace), exits 0. This process is the cluster primary (routes,
 * discovery, API); the same program runs as each of the -workers N data-plane
 * processes. -workers 0 runs everything in this one process.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { jsonLogger } from '@flynn-ts/core';
import { readCommandLine, runDaemon, runMain, untilAborted } from '@flynn-ts/core/daemon';
import { runClusterWorker } from '@flynn-ts/router';
import { ConfigError, parseCommandLine } from './config.js';

export { parseCommandLine, ConfigError, USAGE } from './config.js';
export type { RouterDaemonConfig, ParsedCommandLine } from './config.js';
export { startRouterDaemon } from './start-router.js';
export type { RunningRouter } from './start-router.js';

/** Runs the daemon with `argv` and `env`; resolves with the exit code. */
export async function runRouter(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  if (cluster.isWorker && env.FLYNN_ROUTER_WORKER === '1') {
    await runClusterWorker();
    return 0;
  }
  const parsed = readCommandLine(() => parseCommandLine(argv, env, availableParallelism()), ConfigError, { helpFlag: '-help' });
  if ('exitCode' in parsed) return parsed.exitCode;
  const config = parsed.config;
  const logger = jsonLogger({ level: config.logLevel, fields: { app: 'router' } });
  return runDaemon(
    async (stop) => {
      let router;
      try {
        // Loaded here, not at the top: workers (the data path) never load the API and discovery client stacks.
        const { startRouterDaemon } = await import('./start-router.js');
        router = await startRouterDaemon(config, logger);
      } catch (err) {
        logger.error({ event: 'start_failed', err }, 'flynn-router failed to start');
        return 1;
      }
      logger.info({ event: 'started', http: router.http, https: router.https, api: router.api, workers: config.workers }, 'flynn-router started');
      await untilAborted(stop);
      await router.close().catch((err: unknown) => logger.error({ event: 'close_failed', err }, 'error while closing'));
      logger.info({ event: 'stopped' }, 'flynn-router stopped');
      return 0;
    },
    { logger, stopMessage: 'draining' },
  );
}

runMain(import.meta.url, 'flynn-router', () => runRouter(process.argv.slice(2), process.env), { version: true });
