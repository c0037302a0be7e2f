/**
 * The server side of `POST /attach` (reference §2.10): a node:http `upgrade`
 * listener. It accepts `POST /attach` with `Upgrade: flynn-attach/0` and a
 * JSON body (`{job_id, flags, height, width}`, Content-Length required),
 * answers `101 Switching Protocols` and runs an attach session on the raw
 * socket. Anything else gets a JSON error response and the socket closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock, ErrorBody, Logger } from '@flynn-ts/core';
import { noopLogger, systemClock } from '@flynn-ts/core';
import { invalid, isObject, optInt, optString } from '../job/core/fields.js';
import type { AttachRequest } from './core/attach-codec.js';
import { ATTACH_PROTOCOL } from './core/attach-codec.js';
import type { AttachTarget } from './attach-target.js';
import { runAttachSession } from './attach-session.js';

export interface AttachServerOptions {
  target: AttachTarget;
  logger?: Logger;
  clock?: Clock;
  /** Largest accepted request body. Default 64 KiB. */
  maxBodyBytes?: number;
  /** How long the client may take to send the body. Default 10 000 ms. */
  bodyTimeoutMs?: number;
}

export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** A listener for `server.on('upgrade', ...)`. */
export function attachUpgradeListener(options: AttachServerOptions): UpgradeListener {
  const logger = (options.logger ?? noopLogger).child({ component: 'attach' });
  const clock = options.clock ?? systemClock;
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000;
  return (req, socket, head) => {
    socket.on('error', () => {});
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/attach') return reject(socket, 404, { code: 'not_found', message: `no upgrade route for ${req.method} ${path}` });
    if (req.method !== 'POST') return reject(socket, 405, { code: 'method_not_allowed', message: 'attach needs POST' });
    if ((req.headers.upgrade ?? '').toLowerCase() !== ATTACH_PROTOCOL) {
      return reject(socket, 400, { code: 'bad_request', message: `unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')}, want ${ATTACH_PROTOCOL}` });
    }
    const length = Number(req.headers['content-length']);
    if (req.headers['content-length'] === undefined || !Number.isSafeInteger(length) || length < 0) {
      return reject(socket, 411, { code: 'bad_request', message: 'attach needs a Content-Length' });
    }
    if (length > maxBody) return reject(socket, 400, { code: 'request_body_too_big', message: `attach request body exceeds ${maxBody} bytes` });
    readBody(socket, head, length, clock, bodyTimeoutMs).then(
      ({ body, rest }) => {
        let attachReq: AttachRequest;
        try {
          attachReq = parseAttachRequest(body);
        } catch (err) {
          return reject(socket, 400, errorBody(err));
        }
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${ATTACH_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`);
        void runAttachSession(socket, attachReq, options.target, logger, rest);
      },
      (err: unknown) => reject(socket, 400, { code: 'bad_request', message: err instanceof Error ? err.message : String(err) }),
    );
  };
}

/** Validates the JSON body of `POST /attach`. Throws a 400 naming the field. */
export function parseAttachRequest(body: Buffer): AttachRequest {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    invalid('body', 'must be JSON');
  }
  if (!isObject(value)) invalid('body', 'must be a JSON object');
  const jobId = optString(value, 'job_id', '');
  if (!jobId) invalid('job_id', 'is required');
  const req: AttachRequest = { job_id: jobId, flags: optInt(value, 'flags', '', 0, 255) ?? 0 };
  const height = optInt(value, 'height', '', 0, 65535);
  const width = optInt(value, 'width', '', 0, 65535);
  if (height !== undefined) req.height = height;
  if (width !== undefined) req.width = width;
  return req;
}

function readBody(socket: Duplex, head: Buffer, length: number, clock: Clock, timeoutMs: number): Promise<{ body: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = head;
    const done = () => {
      if (buf.length < length) return false;
      cleanup();
      resolve({ body: buf.subarray(0, length), rest: buf.subarray(length) });
      return true;
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      done();
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('connection closed before the attach request body was complete'));
    };
    const timer = clock.setTimer(timeoutMs, () => {
      cleanup();
      reject(new Error('timed out reading the attach request body'));
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

function reject(socket: Duplex, status: number, body: ErrorBody): void {
  if (socket.destroyed) return;
  const text = JSON.stringify({ ...body, retry: body.retry ?? false });
  const reason = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 411: 'Length Required' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

function errorBody(err: unknown): ErrorBody {
  const e = err as { apiCode?: string; message?: string; detail?: unknown };
  const body: ErrorBody = { code: e.apiCode ?? 'bad_request', message: e.message ?? String(err) };
  if (e.detail !== undefined) body.detail = e.detail;
  return body;
}
