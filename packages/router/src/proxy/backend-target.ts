/**
 * The data path's view of backends: one {@link BackendTarget} per live
 * instance (its idle keep-alive connections and its in-flight count), grouped
 * per service in a {@link ServiceBackends} that every route of the service
 * shares. Updates keep the same target objects for addresses that stay, so
 * pools survive backend-list changes.
 */
import type { Backend } from '../core/types.js';

/** What a target's pool holds: anything closable that knows whether it is still usable. */
export interface PooledConnection {
  readonly usable: boolean;
  close(): void;
}

export class BackendTarget {
  readonly host: string;
  readonly port: number;
  /** Requests (and tunnels, TCP connections) in flight on this data path. */
  inflight = 0;
  /** False once the backend left discovery (or its route went away). */
  live = true;
  /** Idle keep-alive connections, most recently used last. */
  readonly idle: PooledConnection[] = [];
  /** Called once when `inflight` drops to 0 (drain). */
  private idleWaiters: (() => void)[] = [];
  /** Cached sealed `_backend` cookie value for this address. */
  stickyCookie: string | undefined;

  constructor(
    readonly service: string,
    readonly addr: string,
    public app: string | undefined,
    public jobId: string | undefined,
  ) {
    const [host, port] = splitHostPort(addr);
    this.host = host;
    this.port = port;
  }

  begin(): void {
    this.inflight++;
  }

  end(): void {
    if (--this.inflight === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once nothing is in flight (at once if nothing is). */
  whenIdle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Takes the most recently used idle connection that is still usable. */
  takeIdle(): PooledConnection | undefined {
    const idle = this.idle;
    while (idle.length > 0) {
      const c = idle.pop()!;
      if (c.usable) return c;
    }
    return undefined;
  }

  removeIdle(c: PooledConnection): void {
    const i = this.idle.indexOf(c);
    if (i !== -1) this.idle.splice(i, 1);
  }

  /** Marks the target gone and closes its idle connections; in-flight work continues. */
  retire(): void {
    this.live = false;
    const idle = this.idle.splice(0);
    for (const c of idle) c.close();
  }

  toBackend(): Backend {
    const b: Backend = { service: this.service, addr: this.addr };
    if (this.app !== undefined) b.app = this.app;
    if (this.jobId !== undefined) b.job_id = this.jobId;
    return b;
  }
}

/** The backends of one service as every route of it sees them. */
export class ServiceBackends {
  /** Live targets (order as discovery lists them). */
  all: BackendTarget[] = [];
  /** `[leader]`, or `[]` while the service has no leader. */
  leader: BackendTarget[] = [];
  private readonly byAddr = new Map<string, BackendTarget>();

  constructor(readonly name: string) {}

  get(addr: string): BackendTarget | undefined {
    return this.byAddr.get(addr);
  }

  /** Replaces the backend list; returns the targets that went away (already retired). */
  update(backends: readonly Backend[], leaderAddr: string | undefined): BackendTarget[] {
    const next = new Map<string, BackendTarget>();
    for (const b of backends) {
      let t = this.byAddr.get(b.addr) ?? next.get(b.addr);
      if (!t) t = new BackendTarget(this.name, b.addr, b.app, b.job_id);
      t.app = b.app;
      t.jobId = b.job_id;
      next.set(b.addr, t);
    }
    const removed: BackendTarget[] = [];
    for (const [addr, t] of this.byAddr) {
      if (!next.has(addr)) {
        t.retire();
        removed.push(t);
      }
    }
    this.byAddr.clear();
    for (const [addr, t] of next) this.byAddr.set(addr, t);
    this.all = [...next.values()];
    const leader = leaderAddr === undefined ? undefined : next.get(leaderAddr);
    this.leader = leader ? [leader] : [];
    return removed;
  }

  /** Retires every target (the service is no longer routed). */
  clear(): BackendTarget[] {
    return this.update([], undefined);
  }
}

/** `1.2.3.4:80` → ['1.2.3.4', 80]; `[::1]:80` → ['::1', 80]. */
export function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  if (i <= 0) throw new RangeError(`backend address needs host:port, got ${JSON.stringify(addr)}`);
  let host = addr.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad port in backend address ${JSON.stringify(addr)}`);
  return [host, port];
}
