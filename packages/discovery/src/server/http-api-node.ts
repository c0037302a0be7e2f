/**
 * The routes a discoverd node answers itself in both modes (member and
 * proxy): `POST /raft/promote`, `POST /raft/demote`, `POST /shutdown`,
 * `GET /ping` and `GET /.well-known/status`.
 */
import type { Hono } from 'hono';
import type { Logger } from '@flynn-ts/core';
import type { DiscoveryBackend } from './backend.js';
import { emptyResponse, goJson, jsonResponse, thrownResponse } from './http-api-wire.js';

export const STATUS_PATH = '/.well-known/status';

/** Set once `POST /shutdown` succeeded; every later request answers 503 "discoverd: shutting down". */
export interface ShutdownState {
  shuttingDown: boolean;
}

export interface NodeRoutesContext {
  backend: Pick<DiscoveryBackend, 'promote' | 'demote' | 'shutdown'>;
  state: ShutdownState;
  version: string;
  logger: Logger;
}

/** `GET /.well-known/status`: the original's pretty-printed body with a trailing newline. */
export function statusResponse(version: string): Response {
  const body = new TextEncoder().encode(goJson({ data: { status: 'healthy', version } }, 2) + '\n');
  return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.byteLength) } });
}

export function addNodeRoutes(app: Hono, ctx: NodeRoutesContext): void {
  const { backend, state, logger } = ctx;
  app.get(STATUS_PATH, () => statusResponse(ctx.version));
  app.get('/ping', () => emptyResponse());
  app.post('/raft/promote', async () => {
    try {
      await backend.promote();
      return emptyResponse();
    } catch (err) {
      return thrownResponse(err, logger);
    }
  });
  app.post('/raft/demote', async () => {
    try {
      await backend.demote();
      return emptyResponse();
    } catch (err) {
      return thrownResponse(err, logger);
    }
  });
  app.post('/shutdown', async () => {
    try {
      const { last_index } = await backend.shutdown();
      state.shuttingDown = true;
      logger.info({ last_index }, 'shut down over HTTP');
      return jsonResponse({ last_index }, 200, { Connection: 'close' });
    } catch (err) {
      return thrownResponse(err, logger);
    }
  });
}
