/**
 * A fast path for the hot endpoints of the member API, on the raw node:http
 * objects: `PUT /services/:s/meta` (CAS), `PUT /services/:s/instances/:id`
 * (registrations and heartbeats) and `GET /services/:s/meta`. The fetch app
 * answers them too; through `@hono/node-server` each call then builds a
 * WHATWG `Request` (and a web stream for its body), a `Response` with another
 * body stream, and hono's routing and context: about a fifth of the raft
 * leader's CPU under a CAS load (docs/benchmarks.md). Here the same handler
 * logic (same decoders, same checks in the same order, same wire helpers)
 * reads the body from the `IncomingMessage` and writes the answer straight to
 * the `ServerResponse`.
 *
 * Wire-identical to the app (a test compares the bytes): the same status,
 * body and headers, in the order `@hono/node-server` writes them (lower case,
 * sorted, as a `Headers` iterates), `Discoverd-Index`/`-Peers` read before
 * the request runs. Anything unusual is left to the app, before a byte is
 * read: another method or path shape, a query string on a PUT, a service
 * name outside `[a-z0-9-]` (percent-encoded, upper case…), a meta PUT
 * without a JSON Content-Type, proxy mode, or shutting down. Error answers
 * (rare) are built by the app's own functions as a `Response` and copied.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlynnError } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { instanceProblem } from '../core/validate.js';
import type { DiscoveryBackend } from './backend.js';
import { decodeInstance, decodeMetaWrite } from './http-api-body.js';
import type { ShutdownState } from './http-api-node.js';
import { consistentRead, failureResponse } from './http-api-routes.js';
import { errorResponse, goJson, peerList, validationError, wireMeta } from './http-api-wire.js';

/** Takes the request (true: it answers on `res`) or leaves it (false: nothing read or written). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface FastPathOptions {
  backend: DiscoveryBackend;
  logger: Logger;
  state: ShutdownState;
  bodyLimit: number;
}

const META = /^\/services\/([a-z0-9-]+)\/meta$/;
const INSTANCE = /^\/services\/([a-z0-9-]+)\/instances\/[^/%]+$/;
const decoder = new TextDecoder();

/** What a handler produces: a ready answer, or a fetch `Response` from the app's helpers. */
type Answer = { status: number; json?: string } | Response;

export function createFastPath(o: FastPathOptions): NodeHandler {
  return (req, res) => {
    if (o.state.shuttingDown || !o.backend.isMember()) return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    let run: (() => Promise<Answer>) | undefined;
    if (req.method === 'PUT' && q < 0) {
      const meta = META.exec(path);
      if (meta && (req.headers['content-type'] ?? '').includes('application/json')) run = () => putMeta(o, req, meta[1]!);
      const inst = meta ? null : INSTANCE.exec(path);
      if (inst) run = () => putInstance(o, req, inst[1]!);
    } else if (req.method === 'GET') {
      const meta = META.exec(path);
      if (meta) run = () => getMeta(o, meta[1]!, q < 0 ? undefined : new URLSearchParams(url.slice(q + 1)).get('consistent'));
    }
    if (!run) return false;
    const index = o.backend.lastIndex();
    const peers = peerList(o.backend);
    run()
      .catch((err: unknown) => failureResponse(req.method ?? 'GET', `http://localhost${url}`, err, o.backend, o.logger))
      .then((answer) => send(res, answer, index, peers))
      .catch((err: unknown) => {
        o.logger.warn({ err }, 'fast path: writing the answer failed');
        res.destroy();
      });
    return true;
  };
}

async function putMeta(o: FastPathOptions, req: IncomingMessage, service: string): Promise<Answer> {
  const write = decodeMetaWrite(await readNodeBody(req, o.bodyLimit));
  const stored = await o.backend.setMeta(service, write);
  // The original echoes the request (leader_id included) with the new index.
  return { status: 200, json: goJson(wireMeta({ data: write.data, index: stored.index }, write.leader_id)) };
}

async function putInstance(o: FastPathOptions, req: IncomingMessage, service: string): Promise<Answer> {
  const inst = decodeInstance(await readNodeBody(req, o.bodyLimit));
  const bad = instanceProblem(inst);
  if (bad) return validationError(bad);
  await o.backend.register(service, inst);
  return { status: 200 };
}

async function getMeta(o: FastPathOptions, service: string, consistent: string | null | undefined): Promise<Answer> {
  const meta = await o.backend.getMeta(service, consistentRead(consistent));
  if (!meta) return errorResponse(404, 'object_not_found', 'service meta not found');
  return { status: 200, json: goJson(wireMeta(meta)) };
}

/** The body as UTF-8 text (as the app's `readBody`: at most `limit` bytes, a BOM dropped, bad bytes replaced). */
function readNodeBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? '');
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooBig());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooBig());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => onError(new Error('request aborted'));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('aborted', onAborted);
  });
}

function tooBig(): FlynnError {
  return new FlynnError('FLYNN_DISCOVERY_BODY_TOO_BIG', 'The provided request body is too big', { apiCode: 'request_body_too_big' });
}

const JSON_TYPE = 'application/json';

/** Writes an answer with the cluster headers, as `@hono/node-server` would write the app's `Response`. */
async function send(res: ServerResponse, answer: Answer, index: number, peers: string | undefined): Promise<void> {
  if (answer instanceof Response) return sendResponse(res, answer, index, peers);
  const body = answer.json === undefined ? undefined : Buffer.from(answer.json, 'utf8');
  // Sorted lower-case names: the order a `Headers` object iterates in.
  const headers: Record<string, string> = { 'content-length': String(body?.length ?? 0) };
  if (body) headers['content-type'] = JSON_TYPE;
  headers['discoverd-index'] = String(index);
  if (peers !== undefined) headers['discoverd-peers'] = peers;
  res.writeHead(answer.status, headers);
  res.end(body);
}

async function sendResponse(res: ServerResponse, r: Response, index: number, peers: string | undefined): Promise<void> {
  const h = new Headers(r.headers);
  if (peers !== undefined) h.set('Discoverd-Peers', peers);
  h.set('Discoverd-Index', String(index));
  const headers: Record<string, string> = {};
  for (const [k, v] of h) headers[k] = v;
  const body = r.body === null ? undefined : Buffer.from(await r.arrayBuffer());
  res.writeHead(r.status, headers);
  res.end(body);
}
