/**
 * The daemon's single HTTP listener (port 1111 in Flynn carries both the API
 * and raft): raft traffic under `RAFT_PATH_PREFIX` (`/raft/v1/...`) goes to
 * the node's raft transport, which answers on the raw node:http objects;
 * everything else, the discoverd API included `/raft/leader`, `/raft/peers`,
 * `/raft/promote` and `/raft/demote`, goes to the fetch app. Until the node
 * and app exist (startup), raft answers 503 and the API 503 JSON `retry: true`.
 */
import type { FetchHandler } from '@flynn-ts/core/http';
import { ALREADY_SENT, RAFT_PATH_PREFIX } from '@flynn-ts/discovery/server';
import type { DiscoveryHttp, DiscoveryNode } from '@flynn-ts/discovery/server';

export interface HandlerTarget {
  node: DiscoveryNode | undefined;
  /** The API: the fetch app and its node:http fast path for the hot endpoints. */
  api: DiscoveryHttp | undefined;
}

export function discoverdHandler(target: () => HandlerTarget): FetchHandler {
  return (req, env) => {
    const { node, api } = target();
    if (node && env?.incoming && env.outgoing && node.raftHandler(env.incoming, env.outgoing)) return ALREADY_SENT;
    if (api && env?.incoming && env.outgoing && api.handleNode(env.incoming, env.outgoing)) return ALREADY_SENT;
    if (api) return api.app.fetch(req);
    const path = new URL(req.url).pathname;
    if (path === RAFT_PATH_PREFIX || path.startsWith(`${RAFT_PATH_PREFIX}/`)) return new Response(null, { status: 503 });
    return Response.json({ code: 'service_unavailable', message: 'discoverd: starting', retry: true }, { status: 503 });
  };
}
