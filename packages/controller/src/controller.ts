/**
 * A whole controller in one call, for the daemon and for programs that embed
 * it: a connection pool, the migrations (under their advisory lock), the
 * event hub (LISTEN) and the HTTP API as a fetch handler. Binding it to a
 * socket is the caller's job (`serve(controller.fetch)` from
 * @flynn-ts/core/http).
 */
import { setMaxListeners } from 'node:events';
import { cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import type { ControllerApiOptions } from './api/controller-api.js';
import { createControllerApi } from './api/controller-api.js';
import type { ControllerApp } from './api/context.js';
import { attachUpgradeHandler } from './api/attach-upgrade.js';
import type { UpgradeListener } from './api/attach-upgrade.js';
import { KeyAuthorizer } from './api/auth.js';
import { normalizeDomain } from './core/route-input.js';
import { Database } from './db/database.js';
import type { DatabaseConfig } from './db/database.js';
import { migrate } from './db/migrate.js';
import { EventHub } from './events/event-hub.js';
import type { HostClientFor, HostInfo } from './host-client.js';
import { DiscoveryHosts } from './hosts/discovery-hosts.js';
import { randomHostPicker } from './hosts/host-picker.js';
import type { HostPicker } from './hosts/host-picker.js';
import { JobLauncher } from './jobs/job-launcher.js';
import { discoveryLogAggregators } from './logs/discovery-log-aggregators.js';
import { httpProviderClient } from './provider-client.js';
import type { ProviderClient } from './provider-client.js';

export interface ControllerOptions {
  /** A connection string or pg pool config. */
  database: DatabaseConfig;
  /** Accepted API keys (`AUTH_KEY`, comma-separated there); at least one. */
  authKeys: readonly string[];
  /** `DEFAULT_ROUTE_DOMAIN`: new non-system apps get `<name>.<domain>`. */
  defaultRouteDomain?: string;
  /** `CA_CERT`, served by `GET /ca-cert`. */
  caCert?: string;
  /**
   * Where `flynn-host` and `logaggregator` instances are found: the defaults
   * of `hosts`, `hostClientFor` and `logAggregators` use it.
   */
  discovery?: ServiceDiscovery;
  /**
   * How job kills and one-off jobs reach hosts. A client that also has
   * `addJob` and `url` (a `JobRunner`, e.g. @flynn-ts/host's `HostClient`)
   * can run one-off jobs. Default with `discovery`: an HTTP client per
   * `flynn-host` instance. Without either, kills and runs answer 503.
   */
  hostClientFor?: HostClientFor;
  /** Hosts one-off jobs may run on. Default with `discovery`: the `flynn-host` instances not shutting down. */
  hosts?: () => Promise<readonly HostInfo[]>;
  /** Chooses the host of a one-off job. Default: a random one of `hosts()` whose client answers a ping. */
  hostPicker?: HostPicker;
  /** Record the state of one-off jobs (`up`, `down` with the exit status) as their host reports it. Default true. */
  followJobs?: boolean;
  /** The log aggregators' API base URLs, for `GET /apps/:id/log`. Default with `discovery`: the `logaggregator` instances. */
  logAggregators?: () => Promise<readonly string[]>;
  /** Default: HTTP to the provider URLs. */
  providers?: ProviderClient;
  /** Shifts generated app names (`NAME_SEED`). */
  nameSeed?: number;
  /** Apply pending migrations at start. Default true. */
  migrate?: boolean;
  /** Pool size. Default 20. */
  poolSize?: number;
  /** SSE keep-alive interval. Default 30 000 ms. */
  sseKeepAliveMs?: number;
  /** Event hub safety poll. Default 5000 ms. */
  eventPollMs?: number;
  api?: ControllerApiOptions;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
}

export interface Controller {
  /** The HTTP API. */
  readonly fetch: ControllerApp['fetch'];
  readonly app: ControllerApp;
  readonly db: Database;
  readonly events: EventHub;
  /** Rotate keys at runtime with `authorizer.setKeys([...])`. */
  readonly authorizer: KeyAuthorizer;
  /**
   * The HTTP upgrade handler (`server.on('upgrade', controller.upgrade)`):
   * serves attached one-off jobs (`POST /apps/:id/jobs` with `Upgrade:
   * flynn-attach/0`), which a fetch handler cannot.
   */
  readonly upgrade: UpgradeListener;
  /** Runs one-off jobs (what `POST /apps/:id/jobs` uses). */
  readonly jobs: JobLauncher;
  /** Ends every event stream and answers 503 from now on. Call before closing the HTTP server. */
  shutdown(): void;
  /** `shutdown()`, cuts attach relays, stops following jobs and the event hub, closes the pool. Idempotent. */
  close(): Promise<void>;
}

export async function createController(options: ControllerOptions): Promise<Controller> {
  const logger = options.logger ?? noopLogger;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom();
  const authorizer = new KeyAuthorizer(options.authKeys);
  const defaultRouteDomain = options.defaultRouteDomain ? normalizeDomain(options.defaultRouteDomain) : undefined;
  const db = new Database(options.database, { logger, ...(options.poolSize !== undefined ? { max: options.poolSize } : {}) });
  const shutdownCtl = new AbortController();
  // Every open event stream listens on this signal.
  setMaxListeners(0, shutdownCtl.signal);
  let hub: EventHub | undefined;
  try {
    if (options.migrate !== false) await migrate(db.pool, { logger });
    hub = new EventHub(db, { logger, clock, random, ...(options.eventPollMs !== undefined ? { pollMs: options.eventPollMs } : {}) });
    await hub.start();
  } catch (err) {
    await hub?.close();
    await db.close();
    throw err;
  }
  const events = hub;
  // Ends the background work (job followers) when the controller closes.
  const closingCtl = new AbortController();
  const discoveryHosts = options.discovery && (!options.hostClientFor || !options.hosts) ? new DiscoveryHosts(options.discovery, { clock, random, logger }) : undefined;
  const hostClientFor = options.hostClientFor ?? (discoveryHosts ? (id: string) => discoveryHosts.clientFor(id) : undefined);
  const hosts = options.hosts ?? (discoveryHosts ? () => discoveryHosts.hosts() : undefined);
  const picker = options.hostPicker ?? (hosts && hostClientFor ? randomHostPicker({ hosts, hostClientFor, random, clock, logger }) : undefined);
  const jobs = new JobLauncher({ db, picker, signal: closingCtl.signal, logger, ...(options.followJobs !== undefined ? { follow: options.followJobs } : {}) });
  const logAggregators = options.logAggregators ?? (options.discovery ? discoveryLogAggregators(options.discovery) : undefined);
  const upgrade = attachUpgradeHandler({ authorizer, jobs, shutdown: shutdownCtl.signal, logger, clock });
  const app = createControllerApi(
    {
      db,
      hub: events,
      authorizer,
      providers: options.providers ?? httpProviderClient(),
      hostClientFor,
      jobs,
      logAggregators,
      defaultRouteDomain,
      caCert: options.caCert,
      nameSeed: options.nameSeed ?? 0,
      logger,
      clock,
      sseKeepAliveMs: options.sseKeepAliveMs ?? 30_000,
      shutdown: shutdownCtl.signal,
    },
    options.api,
  );
  let closed: Promise<void> | undefined;
  const shutdown = () => {
    if (!shutdownCtl.signal.aborted) shutdownCtl.abort();
  };
  return {
    fetch: app.fetch,
    app,
    upgrade,
    jobs,
    db,
    events,
    authorizer,
    shutdown,
    close() {
      closed ??= (async () => {
        shutdown();
        upgrade.closeAll();
        closingCtl.abort();
        await jobs.drain();
        await events.close();
        await discoveryHosts?.close();
        await db.close();
      })();
      return closed;
    },
  };
}
