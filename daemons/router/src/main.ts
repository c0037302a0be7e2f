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
import { realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { jsonLogger } from '@flynn-ts/core';
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
  let parsed;
  try {
    parsed = parseCommandLine(argv, env, availableParallelism());
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
  const logger = jsonLogger({ level: config.logLevel, fields: { app: 'router' } });
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

  let signals = 0;
  let stopped!: () => void;
  const done = new Promise<void>((r) => (stopped = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn({ event: 'signal', signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    logger.info({ event: 'signal', signal }, 'draining');
    void router.close().then(stopped, (err: unknown) => {
      logger.error({ event: 'close_failed', err }, 'error while closing');
      stopped();
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await done;
  logger.info({ event: 'stopped' }, 'flynn-router stopped');
  return 0;
}

/** True when this module is the program (`node main.js`, the `flynn-router` bin link, or tsx). */
function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runRouter(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`flynn-router: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
