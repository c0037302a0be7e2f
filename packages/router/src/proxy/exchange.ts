/**
 * One request on its way to a backend: picks the backend (sticky first, then
 * the less loaded of two random ones), takes a pooled connection or dials,
 * and retries on another backend when that is safe (reference §7.4):
 *
 * - a dial failure (refused, unreachable, 1 s timeout): always, since nothing
 *   was sent;
 * - a connection that closed or reset before any response byte: only for a
 *   replayable request (GET/HEAD/OPTIONS/TRACE without a body). A pooled
 *   connection that went stale gets one fresh connection to the same backend
 *   first.
 *
 * At most `maxAttempts` backends are tried. All dials failing → 503; a
 * broken or missing response → 502; no response head in time → 504. The
 * client side is an {@link ExchangeDownstream} (HTTP/1 connection or HTTP/2
 * stream); one `Exchange` object is reused for every request of an HTTP/1
 * connection.
 */
import type { HttpRoute } from '../core/types.js';
import { isReplayableMethod } from '../core/request-id.js';
import type { ResponseHead } from '../http1/response-head.js';
import type { BackendTarget } from './backend-target.js';
import type { ProxyContext } from './proxy-context.js';
import { cookieValue, STICKY_COOKIE } from './sticky-cookie.js';
import type { ServiceBackends } from './backend-target.js';
import { UpstreamConnection, UpstreamFailure } from './upstream-connection.js';
import type { UpstreamUser } from './upstream-connection.js';
import type { Socket } from 'node:net';

export interface ExchangeDownstream {
  /** The head is written to `ex.conn`: send the request body now. */
  requestReady(ex: Exchange): void;
  informational(ex: Exchange, res: ResponseHead): void;
  response(ex: Exchange, res: ResponseHead, buf: Buffer, start: number, end: number, complete: boolean): void;
  data(ex: Exchange, buf: Buffer, start: number, end: number): void;
  /** The response is complete (the backend connection is already pooled or closed). */
  end(ex: Exchange): void;
  /** 101 Switching Protocols: the backend socket is now a raw tunnel; `src` holds the head's bytes (during the call). */
  upgrade(ex: Exchange, res: ResponseHead, src: Buffer, socket: Socket, rest: Buffer | undefined): void;
  /** No response will come: answer `status` (the response has not started). */
  failed(ex: Exchange, status: number, detail: string): void;
  /** The backend failed after the response started: the client connection must be cut. */
  aborted(ex: Exchange, err: unknown): void;
  /** The backend socket drained: resume the request body. */
  drained(ex: Exchange): void;
}

export class Exchange implements UpstreamUser {
  decodeBody = false;
  headRequest = false;
  route: HttpRoute | undefined;
  backends: readonly BackendTarget[] = [];
  /** The request head for the backend. */
  head: Buffer | string = '';
  /** May be sent again after a reset before any response byte. */
  replayable = false;
  /** Close the backend connection after this request (route `disable_keep_alives`). */
  noKeepAlive = false;
  /** The backend named by a valid sticky cookie. */
  sticky: BackendTarget | undefined;
  target: BackendTarget | null = null;
  /** The backend the request was last sent to (kept after the exchange ends, for access logs). */
  served: BackendTarget | null = null;
  conn: UpstreamConnection | null = null;
  /** The response head has gone to the client. */
  responded = false;
  /** Between `start()` and end/failure/abort. */
  active = false;
  private readonly tried: BackendTarget[] = [];
  private freshRetry = false;
  private dialFailures = 0;

  constructor(
    readonly ctx: ProxyContext,
    readonly down: ExchangeDownstream,
  ) {}

  /**
   * Prepares the exchange for a request to `route`: backends (the leader for
   * leader routes), the head to send, retry and keep-alive flags, and the
   * sticky backend named by a valid `_backend` cookie.
   */
  prepare(route: HttpRoute, service: ServiceBackends, backends: readonly BackendTarget[], head: Buffer | string, method: string, hasBody: boolean, cookie: string | undefined): void {
    this.route = route;
    this.backends = backends;
    this.head = head;
    this.headRequest = method === 'HEAD';
    this.replayable = !hasBody && isReplayableMethod(method);
    this.noKeepAlive = route.disable_keep_alives === true;
    this.sticky = undefined;
    const codec = this.ctx.sticky;
    if (route.sticky === true && cookie !== undefined && codec !== undefined) {
      const sealed = cookieValue(cookie, STICKY_COOKIE);
      const addr = sealed === undefined ? undefined : codec.open(sealed);
      const t = addr === undefined ? undefined : service.get(addr);
      if (t !== undefined && backends.includes(t)) this.sticky = t;
    }
  }

  /** Starts sending the prepared request. */
  start(): void {
    this.active = true;
    this.responded = false;
    // Setting an array's length is a runtime call in V8 even when it changes nothing.
    if (this.tried.length !== 0) this.tried.length = 0;
    this.freshRetry = false;
    this.dialFailures = 0;
    this.target = null;
    this.served = null;
    this.conn = null;
    this.dispatch(false);
  }

  /** The `Set-Cookie` line to add, when the route is sticky and the backend differs from the cookie's. */
  setCookieLine(): string | undefined {
    const t = this.target;
    const codec = this.ctx.sticky;
    if (t === null || codec === undefined || this.route?.sticky !== true || t === this.sticky) return undefined;
    t.stickyCookie ??= codec.seal(t.addr);
    return `Set-Cookie: ${STICKY_COOKIE}=${t.stickyCookie}; Path=/`;
  }

  /** The client went away: drop the backend side. */
  abort(): void {
    if (!this.active) return;
    this.active = false;
    const conn = this.conn;
    this.conn = null;
    conn?.abandon();
    this.release();
  }

  /** Ends an upgraded exchange once its tunnel is closed. */
  tunnelClosed(): void {
    if (!this.active) return;
    this.active = false;
    this.release();
  }

  private release(): void {
    const t = this.target;
    if (t !== null) {
      this.target = null;
      t.end();
    }
  }

  private dispatch(sameTarget: boolean): void {
    const target = sameTarget ? this.target! : this.pick();
    if (target === undefined) {
      if (this.dialFailures > 0 || this.tried.length === 0) this.fail(503, this.tried.length === 0 ? 'no backend available' : 'no backend could be reached');
      else this.fail(502, 'backend closed the connection before responding');
      return;
    }
    if (!sameTarget) {
      this.target = target;
      target.begin();
    }
    const pooled = sameTarget || this.noKeepAlive ? undefined : (target.takeIdle() as UpstreamConnection | undefined);
    if (pooled !== undefined) {
      pooled.assign(this);
      this.conn = pooled;
      this.send(pooled);
    } else {
      this.conn = new UpstreamConnection(target, this, this.ctx.upstream);
    }
  }

  private pick(): BackendTarget | undefined {
    const tried = this.tried;
    if (tried.length >= this.ctx.maxAttempts) return undefined;
    const sticky = this.sticky;
    if (sticky !== undefined && sticky.live && !tried.includes(sticky)) return sticky;
    let list = this.backends;
    if (tried.length > 0) list = list.filter((t) => !tried.includes(t));
    const n = list.length;
    if (n === 0) return undefined;
    if (n === 1) return list[0];
    const random = this.ctx.random;
    const a = random.int(n);
    let b = random.int(n - 1);
    if (b >= a) b++;
    const ta = list[a]!;
    const tb = list[b]!;
    return tb.inflight < ta.inflight ? tb : ta;
  }

  private send(conn: UpstreamConnection): void {
    this.served = this.target;
    if (this.noKeepAlive) conn.noReuse();
    conn.sendHead(this.head);
    this.down.requestReady(this);
  }

  private fail(status: number, detail: string): void {
    this.active = false;
    this.conn = null;
    this.release();
    this.down.failed(this, status, detail);
  }

  // ---- UpstreamUser ----

  upstreamConnected(conn: UpstreamConnection): void {
    if (this.conn !== conn) return;
    this.send(conn);
  }

  upstreamFailed(conn: UpstreamConnection, why: UpstreamFailure, err: unknown): void {
    if (this.conn !== conn || !this.active) return;
    this.conn = null;
    const target = this.target!;
    const log = this.ctx.logger;
    switch (why) {
      case UpstreamFailure.Dial:
        log.warn({ event: 'backend_dial_failed', backend: target.addr, service: target.service, err }, 'backend dial failed');
        this.dialFailures++;
        this.retryElsewhere(target);
        return;
      case UpstreamFailure.Reset:
        if (conn.reused && !this.freshRetry && this.replayable) {
          // A pooled connection the backend had closed: once more on a fresh connection.
          this.freshRetry = true;
          this.dispatch(true);
          return;
        }
        log.warn({ event: 'backend_reset', backend: target.addr, service: target.service, err, retried: this.replayable }, 'backend closed before responding');
        if (this.replayable) this.retryElsewhere(target);
        else this.fail(502, 'backend closed the connection before responding');
        return;
      case UpstreamFailure.BadResponse:
        log.warn({ event: 'backend_bad_response', backend: target.addr, err }, 'invalid response from backend');
        this.fail(502, 'invalid response from backend');
        return;
      case UpstreamFailure.Timeout:
        this.fail(504, 'backend did not respond in time');
        return;
      default:
        this.active = false;
        this.release();
        this.down.aborted(this, err);
    }
  }

  private retryElsewhere(target: BackendTarget): void {
    this.tried.push(target);
    this.target = null;
    target.end();
    this.dispatch(false);
  }

  upstreamInformational(_conn: UpstreamConnection, res: ResponseHead): void {
    this.down.informational(this, res);
  }

  upstreamResponse(_conn: UpstreamConnection, res: ResponseHead, buf: Buffer, start: number, end: number, complete: boolean): void {
    this.responded = true;
    this.down.response(this, res, buf, start, end, complete);
  }

  upstreamData(_conn: UpstreamConnection, buf: Buffer, start: number, end: number): void {
    this.down.data(this, buf, start, end);
  }

  upstreamEnd(_conn: UpstreamConnection): void {
    if (!this.active) return;
    this.active = false;
    this.conn = null;
    this.release();
    this.down.end(this);
  }

  upstreamUpgrade(conn: UpstreamConnection, res: ResponseHead, src: Buffer, rest: Buffer | undefined): void {
    this.responded = true;
    this.conn = null;
    this.down.upgrade(this, res, src, conn.detach(), rest);
  }

  upstreamDrain(_conn: UpstreamConnection): void {
    this.down.drained(this);
  }
}
