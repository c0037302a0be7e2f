/**
 * The member routes of the discoverd HTTP API (reference §1.3): services,
 * meta, instances, service leaders and raft membership. Each handler mirrors
 * the original's `discoverd/server/handler.go`, including the order of its
 * checks (which decides the error a bad request gets).
 */
import type { Context, Hono } from 'hono';
import type { Clock, Logger } from '@flynn-ts/core';
import { ALL_KINDS, INSTANCE_KINDS, LEADER_KINDS } from '../core/types.js';
import type { EventKindSet } from '../core/types.js';
import type { DiscoveryBackend, MetaWrite, ReadOptions } from './backend.js';
import { decodeInstance, decodeMetaWrite, decodeServiceConfig, readBody, requireJsonContentType, validationErr } from './http-api-body.js';
import {
  emptyResponse,
  errorResponse,
  goRedirect,
  jsonResponse,
  NO_KNOWN_LEADER,
  notLeaderTarget,
  redirectUrl,
  serviceUnavailable,
  thrownResponse,
  validationError,
  wireInstance,
  wireMeta,
} from './http-api-wire.js';
import { instanceProblem, serviceNameProblem, splitHostPort } from '../core/validate.js';
import { eventStreamResponse } from './sse-stream.js';

export interface RoutesContext {
  backend: DiscoveryBackend;
  logger: Logger;
  clock: Clock;
  keepAliveMs: number;
  bodyLimit: number;
  streamBufferSize: number;
  signal: AbortSignal | undefined;
}

type Handler = (c: Context) => Promise<Response>;

export function addMemberRoutes(app: Hono, ctx: RoutesContext): void {
  const { backend } = ctx;
  const route = (h: Handler) => (c: Context) => h(c).catch((err: unknown) => failureResponse(c.req.method, c.req.url, err, ctx.backend, ctx.logger));
  const service = (c: Context) => c.req.param('service') ?? '';
  const body = (c: Context) => readBody(c.req.raw, ctx.bodyLimit);
  const stream = (c: Context, kinds: EventKindSet) =>
    eventStreamResponse(backend, service(c), kinds, {
      clock: ctx.clock,
      keepAliveMs: ctx.keepAliveMs,
      bufferSize: ctx.streamBufferSize,
      eventIds: wantsEventIds(c),
      logger: ctx.logger.child({ service: service(c) }),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });

  app.put(
    '/services/:service',
    route(async (c) => {
      const name = service(c);
      const bad = serviceNameProblem(name);
      if (bad) return validationError(bad);
      requireJsonContentType(c.req.raw);
      await backend.addService(name, decodeServiceConfig(await body(c)));
      return emptyResponse();
    }),
  );
  app.delete(
    '/services/:service',
    route(async (c) => {
      const bad = serviceNameProblem(service(c));
      if (bad) return validationError(bad);
      await backend.removeService(service(c));
      return emptyResponse();
    }),
  );
  // Always a stream, whatever the Accept header (the original's flynn/flynn#1880 workaround).
  app.get('/services/:service', route(async (c) => stream(c, ALL_KINDS)));

  app.put(
    '/services/:service/meta',
    route(async (c) => {
      requireJsonContentType(c.req.raw);
      const write: MetaWrite = decodeMetaWrite(await body(c));
      const stored = await backend.setMeta(service(c), write);
      // The original echoes the request (leader_id included) with the new index.
      return jsonResponse(wireMeta({ data: write.data, index: stored.index }, write.leader_id));
    }),
  );
  app.get(
    '/services/:service/meta',
    route(async (c) => {
      const meta = await backend.getMeta(service(c), readOptions(c));
      if (!meta) return errorResponse(404, 'object_not_found', 'service meta not found');
      return jsonResponse(wireMeta(meta));
    }),
  );

  // The path id is ignored: only the body's id counts, as in the original.
  app.put(
    '/services/:service/instances/:id',
    route(async (c) => {
      const inst = decodeInstance(await body(c));
      const bad = instanceProblem(inst);
      if (bad) return validationError(bad);
      await backend.register(service(c), inst);
      return emptyResponse();
    }),
  );
  app.delete(
    '/services/:service/instances/:id',
    route(async (c) => {
      await backend.deregister(service(c), c.req.param('id') ?? '');
      return emptyResponse();
    }),
  );
  app.get(
    '/services/:service/instances',
    route(async (c) => {
      if (wantsStream(c)) return stream(c, INSTANCE_KINDS);
      const instances = await backend.getInstances(service(c), readOptions(c));
      // As the original: a service with zero instances is "not found" too.
      if (!instances || instances.length === 0) {
        return errorResponse(404, 'object_not_found', `service not found: ${JSON.stringify(service(c))}`);
      }
      return jsonResponse(instances.map(wireInstance));
    }),
  );

  app.put(
    '/services/:service/leader',
    route(async (c) => {
      const config = await backend.getService(service(c));
      if (config?.leader_type !== 'manual') return validationError('service leader election type is not manual');
      requireJsonContentType(c.req.raw);
      const { id } = decodeInstance(await body(c));
      await backend.setLeader(service(c), id);
      return emptyResponse();
    }),
  );
  app.get(
    '/services/:service/leader',
    route(async (c) => {
      if (wantsStream(c)) return stream(c, LEADER_KINDS);
      const leader = await backend.getLeader(service(c), readOptions(c));
      if (!leader) return errorResponse(404, 'object_not_found', 'no leader found');
      return jsonResponse(wireInstance(leader));
    }),
  );

  addRaftRoutes(app, ctx, route);
}

function addRaftRoutes(app: Hono, ctx: RoutesContext, route: (h: Handler) => (c: Context) => Promise<Response>): void {
  const { backend } = ctx;
  const peer = (c: Context) => {
    const address = c.req.param('peer') ?? '';
    const split = splitHostPort(address);
    if (!split.ok) throw validationErr(split.message);
    return address;
  };
  app.get(
    '/raft/leader',
    route(async () => {
      const leader = backend.leaderAddress();
      return leader ? jsonResponse({ host: leader }) : serviceUnavailable(NO_KNOWN_LEADER);
    }),
  );
  app.get('/raft/peers', route(async () => jsonResponse(backend.peers())));
  app.put(
    '/raft/peers/:peer',
    route(async (c) => {
      const { last_index } = await backend.addPeer(peer(c));
      return jsonResponse({ last_index });
    }),
  );
  app.delete(
    '/raft/peers/:peer',
    route(async (c) => {
      await backend.removePeer(peer(c));
      return emptyResponse();
    }),
  );
}

function wantsStream(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('text/event-stream');
}

/** `?consistent=true` (or `1`) asks the backend for a linearizable read. */
function readOptions(c: Context): ReadOptions {
  return consistentRead(c.req.query('consistent'));
}

/** The read options for a `consistent` query parameter value. */
export function consistentRead(v: string | undefined | null): ReadOptions {
  return v === 'true' || v === '1' ? { consistent: true } : {};
}

/**
 * A write on a follower becomes a 307 to the leader (same path and query);
 * without a known leader, 503. Anything else maps by its FlynnError code.
 * `url` is the absolute request URL.
 */
export function failureResponse(method: string, url: string, err: unknown, backend: Pick<DiscoveryBackend, 'leaderAddress'>, logger: Logger): Response {
  const notLeader = notLeaderTarget(err);
  if (!notLeader) return thrownResponse(err, logger);
  const leader = notLeader.leader || backend.leaderAddress();
  if (!leader) return serviceUnavailable(NO_KNOWN_LEADER);
  return goRedirect(method, redirectUrl(url, leader));
}

/**
 * `Discoverd-Event-Index: true` asks for `id: <raft index>` lines in an event
 * stream (an extension; the original never sends them).
 */
export const EVENT_INDEX_HEADER = 'Discoverd-Event-Index';

function wantsEventIds(c: Context): boolean {
  const v = (c.req.header(EVENT_INDEX_HEADER) ?? '').trim().toLowerCase();
  return v !== '' && v !== 'false' && v !== '0';
}
