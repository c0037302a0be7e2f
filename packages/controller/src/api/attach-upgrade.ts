/**
 * The controller's HTTP upgrade handler, for `server.on('upgrade', ...)`:
 * `POST /apps/:id/jobs` with `Upgrade: flynn-attach/0` runs an attached
 * one-off job (jobs/attach-proxy.ts). The fetch-handler API cannot answer
 * `101 Switching Protocols`, so this is the one route served on the raw
 * connection: it checks what the API's middleware checks (shutting down →
 * 503, Basic auth → bare 401) and the body as the API reads it (JSON,
 * Content-Length required, at most 1 MiB), and answers errors as the API
 * does (`{code, message, retry}`). Any other upgrade request gets a JSON 404
 * (or 400 for another protocol on this route).
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { FlynnError, toErrorResponse } from '@flynn-ts/core';
import type { Clock, ErrorBody, Logger } from '@flynn-ts/core';
import { parseJsonBody } from '@flynn-ts/core/http';
import { parseNewJob } from '../core/new-job-input.js';
import { unavailable, validationError } from '../errors.js';
import { runAttachedJob } from '../jobs/attach-proxy.js';
import { ATTACH_PROTOCOL } from '../jobs/host-attach.js';
import type { JobLauncher } from '../jobs/job-launcher.js';
import type { KeyAuthorizer } from './auth.js';
import { basicAuthPassword } from './auth.js';
import { BODY_LIMIT } from './context.js';

/** A listener for node:http's `upgrade` event. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface AttachUpgradeOptions {
  authorizer: KeyAuthorizer;
  /** Without it, attached runs answer 503. */
  jobs?: JobLauncher | undefined;
  /** Aborted: new requests get 503. */
  shutdown: AbortSignal;
  logger: Logger;
  clock: Clock;
  /** How long the client may take to send the body. Default 10 000 ms. */
  bodyTimeoutMs?: number;
}

export interface AttachUpgradeHandler extends UpgradeListener {
  /** Relays running now. */
  readonly active: number;
  /** Cuts every running relay (the controller is closing). */
  closeAll(): void;
}

const ROUTE = /^\/apps\/([^/]+)\/jobs\/?$/;

/** True when an `Upgrade` header asks for flynn-attach/0. */
export function isAttachUpgrade(header: string | undefined): boolean {
  return (header ?? '').toLowerCase().split(',').some((p) => p.trim() === ATTACH_PROTOCOL);
}

export function attachUpgradeHandler(o: AttachUpgradeOptions): AttachUpgradeHandler {
  const logger = o.logger.child({ component: 'attach' });
  const relays = new Set<() => void>();
  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => {});
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = ROUTE.exec(path);
    if (!match) return respond(socket, 404, { code: 'not_found', message: `no upgrade route for ${req.method} ${path}` });
    if (req.method !== 'POST') return respond(socket, 405, { code: 'method_not_allowed', message: 'attach needs POST' });
    if (!isAttachUpgrade(req.headers.upgrade)) return respond(socket, 400, errorBody(validationError('upgrade', `must be ${ATTACH_PROTOCOL}`)));
    if (o.shutdown.aborted) return respond(socket, 503, errorBody(unavailable('controller: shutting down')));
    if (!o.authorizer.check(basicAuthPassword(req.headers.authorization))) return respond(socket, 401);
    let appRef: string;
    try {
      appRef = decodeURIComponent(match[1]!);
    } catch {
      return respond(socket, 404, { code: 'not_found', message: 'app not found' });
    }
    void handle(req, socket, head, appRef);
  };

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer, appRef: string): Promise<void> {
    const start = o.clock.monotonic();
    const log = logger.child({ app: appRef });
    // The client going away before the 101 cancels the run (the job may have started: it keeps running).
    const gone = new AbortController();
    const onGone = () => gone.abort();
    socket.once('close', onGone);
    try {
      const { body, rest } = await readBody(req, socket, head, o.clock, o.bodyTimeoutMs ?? 10_000);
      const input = parseNewJob(parseJsonBody(body.toString('utf8')));
      if (!o.jobs) throw unavailable('no hosts configured: the controller cannot run jobs');
      const run = await runAttachedJob({
        launcher: o.jobs,
        client: socket,
        clientRest: rest,
        appRef,
        input,
        signal: gone.signal,
        logger: log,
        onRelay: (destroy) => {
          relays.add(destroy);
          return () => relays.delete(destroy);
        },
      });
      socket.off('close', onGone);
      log.info({ event: 'attach_started', jobId: run.jobId, hostId: run.hostId, durationMs: o.clock.monotonic() - start }, 'attached job started');
      await run.ended;
      log.info({ event: 'attach_ended', jobId: run.jobId, durationMs: o.clock.monotonic() - start }, 'attach ended');
    } catch (err) {
      socket.off('close', onGone);
      const { status, body } = toErrorResponse(err);
      if (status >= 500 && !FlynnError.is(err)) log.error({ event: 'attach_failed', err }, 'attached run failed');
      else log.info({ event: 'attach_refused', status, code: body.code, message: body.message }, 'attached run refused');
      respond(socket, status, body);
    }
  }

  return Object.assign(listener, {
    get active() {
      return relays.size;
    },
    closeAll() {
      for (const destroy of [...relays]) destroy();
      relays.clear();
    },
  });
}

/** The request body (Content-Length bytes from `head` and the socket) and whatever followed it. */
function readBody(req: IncomingMessage, socket: Duplex, head: Buffer, clock: Clock, timeoutMs: number): Promise<{ body: Buffer; rest: Buffer }> {
  const lengthHeader = req.headers['content-length'];
  const length = Number(lengthHeader);
  if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) {
    return Promise.reject(new FlynnError('FLYNN_CONTROLLER_LENGTH_REQUIRED', 'an attached run needs a Content-Length', { apiCode: 'validation_error', status: 411 }));
  }
  if (length > BODY_LIMIT) return Promise.reject(new FlynnError('FLYNN_HTTP_BODY_TOO_BIG', `request body exceeds ${BODY_LIMIT} bytes`, { apiCode: 'request_body_too_big' }));
  return new Promise((resolve, reject) => {
    let buf = head;
    const done = (): boolean => {
      if (buf.length < length) return false;
      cleanup();
      resolve({ body: buf.subarray(0, length), rest: Buffer.from(buf.subarray(length)) });
      return true;
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      done();
    };
    const onEnd = () => {
      cleanup();
      reject(new FlynnError('FLYNN_CONTROLLER_BODY_INCOMPLETE', 'connection closed before the request body was complete', { apiCode: 'validation_error' }));
    };
    const timer = clock.setTimer(timeoutMs, () => {
      cleanup();
      reject(new FlynnError('FLYNN_CONTROLLER_BODY_TIMEOUT', 'timed out reading the request body', { apiCode: 'validation_error', status: 408 }));
    });
    const cleanup = () => {
      timer.cancel();
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
    };
    if (done()) return;
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}

function errorBody(err: unknown): ErrorBody {
  return toErrorResponse(err).body;
}

/** An HTTP response on the raw connection, then close. No body for a 401 (as the API). */
function respond(socket: Duplex, status: number, body?: ErrorBody): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const text = body ? JSON.stringify({ ...body, retry: body.retry ?? false }) : '';
  const type = body ? 'Content-Type: application/json\r\n' : '';
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${type}Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}
