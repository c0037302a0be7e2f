/**
 * The discoverd HTTP client (reference §1.3; wire-observed §1–3, §7).
 *
 * - Requests go through `JsonClient` (@flynn-ts/core/http): failover to the
 *   next server on connection failures, retries of idempotent requests and of
 *   `retry: true` answers, and 307 redirects (a write on a follower) followed
 *   with the body re-sent.
 * - The server list is refreshed from every `Discoverd-Peers` header (peers
 *   are `host:port`, used as `http://host:port`), unless `refreshServers` is
 *   false.
 * - Errors are typed (./errors.ts); lookups answer `[]`/`undefined` for 404.
 * - Watches, heartbeaters and the connection pool are closed by `close()`.
 *
 * Instance meta is what the caller passes: unlike the Go client, nothing is
 * read from the environment (`FLYNN_APP_ID`, ...); daemons add those.
 */
import { cryptoRandom, FlynnError, noopLogger, systemClock } from '@flynn-ts/core';
import type { BackoffOptions, Clock, Logger, Random } from '@flynn-ts/core';
import { JsonClient } from '@flynn-ts/core/http';
import type { HttpMethod, JsonRequestOptions, Query } from '@flynn-ts/core/http';
import { Agent, interceptors } from 'undici';
import type { Dispatcher } from 'undici';
import type { Instance, ServiceMeta } from '../core/types.js';
import { DiscoveryClosedError, DiscoveryExistsError, isDiscoveryNotFound, mapHttpError } from './errors.js';
import type { ConflictKind } from './errors.js';
import { HeartbeatLoop } from './heartbeater.js';
import type { HeartbeatTransport, InstanceRegistration } from './heartbeater.js';
import { instanceId } from '../core/instance-id.js';
import { checkProto, expandAddr } from './expand-addr.js';
import { LeaderFollower, runLeaderCallback } from './leader-follower.js';
import { ServerList } from './server-list.js';
import type {
  AddServiceOptions,
  CallOptions,
  Closer,
  DiscoveryWatch,
  Heartbeater,
  LookupOptions,
  MetaUpdater,
  RegisterOptions,
  ServiceDiscovery,
  SetMetaInput,
  UpdateMetaOptions,
  WatchOptions,
} from './service-discovery.js';
import { isFatalStreamError, sseWatchConnector } from './sse-connector.js';
import { updateMeta } from './update-meta.js';
import { createWatch } from './watch.js';

export interface DiscoveryClientOptions {
  /** Base URLs of discoverd servers, e.g. `['http://127.0.0.1:1111']` (the daemon parses `DISCOVERD`). */
  servers: readonly string[];
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** undici dispatcher for every request and stream. Default: an Agent owned (and closed) by the client. */
  dispatcher?: Dispatcher;
  /** Per-request deadline in ms. Default 10 000. */
  timeoutMs?: number;
  /** Fills a leading `:` in registered addresses (the daemon reads `EXTERNAL_IP`). */
  externalIp?: string;
  /** Replace the server list from `Discoverd-Peers` headers. Default true. */
  refreshServers?: boolean;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Reconnect backoff of watches. Default `{ initialMs: 200, maxMs: 5000 }`. */
  watchBackoff?: BackoffOptions;
}

const REGISTER_RETRY_MS = 200;

export class DiscoveryClient implements ServiceDiscovery {
  readonly servers: ServerList;
  private readonly rpc: JsonClient;
  /** No retries of its own: the heartbeat loop retries every 200–400 ms instead. */
  private readonly rpcOnce: JsonClient;
  private readonly ownedAgent: Agent | undefined;
  private readonly dispatcher: Dispatcher;
  /**
   * For event streams: follows 307s inside undici, so a stream through a
   * proxy-mode node (which redirects the GET) reaches `sseStream` as a plain
   * 200. (sseStream's own redirect path destroys the unread 3xx body, which
   * undici reports as an unhandled 'error'.)
   */
  private readonly streamDispatcher: Dispatcher;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly watches = new Set<DiscoveryWatch>();
  private readonly heartbeaters = new Set<HeartbeatLoop>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: DiscoveryClientOptions) {
    this.servers = new ServerList(options.servers);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom();
    this.logger = (options.logger ?? noopLogger).child({ component: 'discovery-client' });
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
    } else {
      // bodyTimeout: a stream gets a keep-alive every 30 s; 75 s of silence means a dead connection.
      this.ownedAgent = new Agent({ connect: { timeout: timeoutMs }, keepAliveTimeout: 4_000, bodyTimeout: 75_000 });
      this.dispatcher = this.ownedAgent;
    }
    const common = {
      urls: () => this.servers.list,
      timeoutMs,
      dispatcher: this.dispatcher,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      ...(options.headers ? { headers: options.headers } : {}),
    };
    this.streamDispatcher = this.dispatcher.compose(interceptors.redirect({ maxRedirections: 5 }));
    this.rpc = new JsonClient(common);
    this.rpcOnce = new JsonClient({ ...common, retries: 0 });
  }

  async addService(service: string, options: AddServiceOptions = {}): Promise<boolean> {
    this.assertOpen();
    try {
      await this.send('PUT', svcPath(service), { body: { leader_type: options.leaderType ?? 'oldest' }, ...signalOf(options) });
      return true;
    } catch (err) {
      if (options.ifNotExists && err instanceof DiscoveryExistsError) return false;
      throw err;
    }
  }

  async removeService(service: string, options: CallOptions = {}): Promise<void> {
    this.assertOpen();
    await this.send('DELETE', svcPath(service), signalOf(options));
  }

  async instances(service: string, options: LookupOptions = {}): Promise<Instance[]> {
    this.assertOpen();
    const list = await this.lookup<Instance[]>(`${svcPath(service)}/instances`, options, options.consistent ?? false);
    return list ?? [];
  }

  async leader(service: string, options: LookupOptions = {}): Promise<Instance | undefined> {
    this.assertOpen();
    return this.lookup<Instance>(`${svcPath(service)}/leader`, options, options.consistent ?? false);
  }

  async setLeader(service: string, id: string, options: CallOptions = {}): Promise<void> {
    this.assertOpen();
    await this.send('PUT', `${svcPath(service)}/leader`, { body: { id }, ...signalOf(options) });
  }

  async getMeta(service: string, options: LookupOptions = {}): Promise<ServiceMeta | undefined> {
    this.assertOpen();
    const meta = await this.lookup<ServiceMeta>(`${svcPath(service)}/meta`, options, options.consistent ?? true);
    return meta && { data: meta.data, index: meta.index };
  }

  async setMeta(service: string, write: SetMetaInput): Promise<ServiceMeta> {
    this.assertOpen();
    const body: Record<string, unknown> = { data: write.data === undefined ? null : write.data, index: write.index };
    if (write.leaderId !== undefined) body.leader_id = write.leaderId;
    // Not idempotent: a re-sent CAS write that was applied the first time would fail with 412.
    const stored = await this.send<ServiceMeta>('PUT', `${svcPath(service)}/meta`, { body, idempotent: false, conflict: 'meta', ...signalOf(write) });
    return { data: stored.data, index: stored.index };
  }

  updateMeta(service: string, fn: MetaUpdater, options?: UpdateMetaOptions): Promise<ServiceMeta | undefined> {
    return updateMeta(this, service, fn, options);
  }

  async register(service: string, addr: string, meta?: Record<string, string>, options: RegisterOptions = {}): Promise<Heartbeater> {
    this.assertOpen();
    const proto = options.proto ?? 'tcp';
    checkProto(proto);
    const full = expandAddr(addr, options.externalIp ?? this.options.externalIp);
    const registration: InstanceRegistration = { id: instanceId(proto, full), addr: full, proto };
    if (meta && Object.keys(meta).length > 0) registration.meta = { ...meta };
    const heartbeatMs = options.heartbeatMs ?? 5_000;
    const transport = this.heartbeatTransport(service, heartbeatMs);
    await this.registerFirst(service, registration, transport, options);
    const hb: HeartbeatLoop = new HeartbeatLoop(service, registration, transport, {
      heartbeatMs,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      onClose: () => this.heartbeaters.delete(hb),
    });
    this.heartbeaters.add(hb);
    hb.start();
    return hb;
  }

  watch(service: string, options: WatchOptions = {}): DiscoveryWatch {
    this.assertOpen();
    const connector = sseWatchConnector(service, {
      servers: this.servers,
      dispatcher: this.streamDispatcher,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      onPeers: (peers) => this.notePeers(peers),
      ...(this.options.headers ? { headers: this.options.headers } : {}),
    });
    const watch: DiscoveryWatch = createWatch(service, connector, {
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      isFatal: isFatalStreamError,
      onClose: () => this.watches.delete(watch),
      ...(options.kinds ? { kinds: options.kinds } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.options.watchBackoff ? { backoff: this.options.watchBackoff } : {}),
    });
    this.watches.add(watch);
    return watch;
  }

  followLeader(service: string, options: { signal?: AbortSignal } = {}): LeaderFollower {
    return new LeaderFollower(this.watch(service, { kinds: new Set(['leader', 'current']), ...options }));
  }

  onLeaderChange(service: string, fn: (leader: Instance | undefined) => void, onError?: (err: unknown) => void): Closer {
    return runLeaderCallback(this.followLeader(service), fn, onError);
  }

  /** Ends watches, deregisters heartbeaters (best effort), then closes the connection pool. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const w of [...this.watches]) w.close();
      const results = await Promise.allSettled([...this.heartbeaters].map((h) => h.close()));
      for (const r of results) if (r.status === 'rejected') this.logger.warn({ err: r.reason }, 'discovery client: deregistration on close failed');
      await this.ownedAgent?.close();
    })();
    return this.closing;
  }

  // ---- internals --------------------------------------------------------------

  private assertOpen(): void {
    if (this.closing) throw new DiscoveryClosedError();
  }

  /** GET that answers undefined for 404. */
  private async lookup<T>(path: string, options: CallOptions, consistent: boolean): Promise<T | undefined> {
    try {
      return await this.send<T>('GET', path, { ...(consistent ? { query: { consistent: true } } : {}), ...signalOf(options) });
    } catch (err) {
      if (isDiscoveryNotFound(err)) return undefined;
      throw err;
    }
  }

  private async send<T = unknown>(
    method: HttpMethod,
    path: string,
    opts: { body?: unknown; query?: Query; signal?: AbortSignal; idempotent?: boolean; conflict?: ConflictKind; timeoutMs?: number },
    client: JsonClient = this.rpc,
  ): Promise<T> {
    const { conflict, ...request } = opts;
    try {
      const res = await client.send<T>(method, path, request satisfies JsonRequestOptions);
      this.notePeers(res.headers.get('discoverd-peers') ?? undefined);
      return res.data;
    } catch (err) {
      throw mapHttpError(err, conflict);
    }
  }

  private notePeers(peers: string | undefined): void {
    if (this.options.refreshServers !== false) this.servers.updateFromPeers(peers);
  }

  private heartbeatTransport(service: string, heartbeatMs: number): HeartbeatTransport {
    const path = (id: string) => `${svcPath(service)}/instances/${encodeURIComponent(id)}`;
    const put = (inst: InstanceRegistration, signal: AbortSignal) => this.send('PUT', path(inst.id), { body: inst, signal, timeoutMs: heartbeatMs }, this.rpcOnce);
    return {
      put: async (inst, signal) => {
        try {
          await put(inst, signal);
        } catch (err) {
          if (!isDiscoveryNotFound(err)) throw err;
          // The service was removed under us: re-create it, as the first registration did.
          await this.send('PUT', svcPath(service), { body: { leader_type: 'oldest' }, signal }, this.rpcOnce).catch((e: unknown) => {
            if (!(e instanceof DiscoveryExistsError)) throw e;
          });
          await put(inst, signal);
        }
      },
      remove: async (id) => {
        await this.send('DELETE', path(id), {}).catch((err: unknown) => {
          if (!isDiscoveryNotFound(err)) throw err;
        });
      },
    };
  }

  /** `PUT /services/<s>` (409 = fine) then the instance, retrying retryable failures every 200 ms. */
  private async registerFirst(service: string, reg: InstanceRegistration, transport: HeartbeatTransport, options: RegisterOptions): Promise<void> {
    const deadline = this.clock.monotonic() + (options.registerTimeoutMs ?? 60_000);
    const signal = options.signal ?? new AbortController().signal;
    for (;;) {
      try {
        await this.addService(service, { ifNotExists: true, signal });
        await transport.put(reg, signal);
        return;
      } catch (err) {
        const retryable = FlynnError.is(err) && err.retry && !signal.aborted;
        if (!retryable || this.clock.monotonic() + REGISTER_RETRY_MS > deadline || this.closing) throw err;
        this.logger.warn({ service, addr: reg.addr, err }, 'discovery registration failed; retrying');
        await this.clock.sleep(REGISTER_RETRY_MS, signal);
      }
    }
  }
}

function svcPath(service: string): string {
  return `/services/${encodeURIComponent(service)}`;
}

function signalOf(options: CallOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
