/**
 * The receiving side of `HttpTransport`: a node:http request handler serving
 *
 * - `POST {prefix}/msgs`: body = an encoded message batch (`encodeBatch`);
 * - `POST {prefix}/snapshot`: body = one encoded `snap` message, streamed;
 * - `POST {prefix}/stream`: a long-lived message stream (see `StreamServer`).
 *
 * The first two answer 204 once every message was handed to the transport handler.
 * Errors answer the flynn JSON error body (`{ code, message }`, `code` the wire code): 400 for bytes the codec
 * rejects, 413 for a body over the limit, 421 for messages addressed to
 * another node, 404/405 for other paths and methods, 503 while the transport
 * is not started or already closed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlynnError, toErrorResponse } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { CodecError, decodeMessage, decodeMessages } from '../codec.js';
import type { Message, NodeId } from '../core/types.js';
import type { TransportHandler } from '../transport.js';
import type { StreamServer } from './http-transport-stream-server.js';

export interface RaftRequestHandlerOptions {
  self: NodeId;
  /** Normalised path prefix, e.g. `/raft`. */
  prefix: string;
  maxBodyBytes: number;
  maxSnapshotBytes: number;
  /** The handler to deliver to; undefined while not started or after close (answers 503). */
  target(): TransportHandler | undefined;
  /** Serves `POST {prefix}/stream`; without it that path answers 404. */
  streams?: StreamServer;
  logger: Logger;
}

/** Returns false (without answering) for requests outside the prefix, so a host app can route them. */
export type RaftRequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const ROUTES = { '/msgs': 'msgs', '/snapshot': 'snapshot', '/stream': 'stream' } as const;

export function createRaftRequestHandler(options: RaftRequestHandlerOptions): RaftRequestHandler {
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path !== options.prefix && !path.startsWith(`${options.prefix}/`)) return false;
    const route = ROUTES[path.slice(options.prefix.length) as keyof typeof ROUTES];
    if (route === undefined || (route === 'stream' && !options.streams)) {
      fail(res, new FlynnError('FLYNN_RAFT_NOT_FOUND', `no raft endpoint at ${path}`, { apiCode: 'not_found' }));
    } else if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      fail(res, new FlynnError('FLYNN_RAFT_METHOD', `${req.method ?? '?'} not allowed`, { apiCode: 'method_not_allowed' }));
    } else if (route === 'stream') {
      options.streams!.serve(req, res, fail);
    } else {
      void serve(route, req, res, options);
    }
    return true;
  };
}

async function serve(route: 'msgs' | 'snapshot', req: IncomingMessage, res: ServerResponse, options: RaftRequestHandlerOptions): Promise<void> {
  if (!options.target()) return fail(res, notStarted());
  const limit = route === 'msgs' ? options.maxBodyBytes : options.maxSnapshotBytes;
  const body = await readBody(req, limit);
  if (body === undefined) return; // the client went away
  if (body instanceof FlynnError) {
    res.setHeader('connection', 'close'); // do not read the rest of an oversized body
    return fail(res, body);
  }
  let msgs: Message[];
  try {
    msgs = route === 'msgs' ? decodeMessages(body) : [decodeMessage(body)];
    validate(route, msgs, options.self);
  } catch (err) {
    if (!FlynnError.is(err)) throw err;
    options.logger.debug({ err, route, bytes: body.byteLength }, 'raft: rejected request');
    return fail(res, err);
  }
  const target = options.target();
  if (!target) return fail(res, notStarted());
  for (const m of msgs) target.deliver(m);
  res.statusCode = 204;
  res.end();
}

function validate(route: 'msgs' | 'snapshot', msgs: readonly Message[], self: NodeId): void {
  if (route === 'snapshot') {
    const m = msgs[0]!;
    if (m.type !== 'snap' || m.snapshot === undefined) throw new CodecError(`expected a snap message with a snapshot, got ${m.type}`);
  }
  for (const m of msgs) {
    if (m.to !== self) {
      throw new FlynnError('FLYNN_RAFT_WRONG_NODE', `message for ${JSON.stringify(m.to)} sent to node ${JSON.stringify(self)}`, { apiCode: 'bad_request', status: 421 });
    }
  }
}

/**
 * Reads the whole body, up to `limit` bytes. Resolves to the bytes, to an
 * error (413) when the body is too large, or to undefined when the request
 * was aborted.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | FlynnError | undefined> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && declared > limit) return Promise.resolve(tooLarge(limit));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (v: Uint8Array | FlynnError | undefined) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      resolve(v);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        req.pause();
        done(tooLarge(limit));
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    const onError = () => done(undefined);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
}

function tooLarge(limit: number): FlynnError {
  return new FlynnError('FLYNN_RAFT_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`, { apiCode: 'request_body_too_big', status: 413 });
}

function notStarted(): FlynnError {
  return new FlynnError('FLYNN_RAFT_TRANSPORT_CLOSED', 'raft transport is not receiving', { apiCode: 'service_unavailable', retry: true });
}

function fail(res: ServerResponse, err: FlynnError): void {
  const { status, body } = toErrorResponse(err);
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(json));
  res.end(json);
}
