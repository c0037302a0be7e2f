/**
 * How a node asks the cluster to add or remove it (reference §1.8): the
 * discoverd HTTP API's `PUT /raft/peers/<self>` and `DELETE
 * /raft/peers/<self>`, sent to any peer; followers answer with a 307 to the
 * leader, which the JSON client follows (re-sending the request).
 */
import { noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { JsonClient } from '@flynn-ts/core/http';

/** The consumer-owned contract `DiscoveryNode` uses for promote/demote. */
export interface MembershipClient {
  /** Asks the cluster (reachable through `peers`) to add `self` as a voter. Resolves with the index to catch up to. */
  join(self: string, peers: readonly string[]): Promise<{ last_index: number }>;
  /** Asks the cluster to remove `self`. */
  leave(self: string, peers: readonly string[]): Promise<void>;
}

export interface HttpMembershipOptions {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  /** Retries with backoff after the first pass over the peers (503 during elections, refused connections). Default 10. */
  retries?: number;
}

/** The default {@link MembershipClient}: the discoverd HTTP API over undici. */
export function httpMembershipClient(o: HttpMembershipOptions = {}): MembershipClient {
  const call = async <T>(peers: readonly string[], fn: (c: JsonClient) => Promise<T>): Promise<T> => {
    const client = new JsonClient({
      urls: peers.map((p) => `http://${p}`),
      timeoutMs: o.timeoutMs ?? 10_000,
      retries: o.retries ?? 10,
      backoff: { initialMs: 200, maxMs: 2_000 },
      clock: o.clock ?? systemClock,
      ...(o.random ? { random: o.random } : {}),
      logger: o.logger ?? noopLogger,
    });
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  };
  return {
    join: (self, peers) =>
      call(peers, async (c) => {
        const res = await c.put<{ last_index?: number } | undefined>(`/raft/peers/${self}`);
        return { last_index: typeof res?.last_index === 'number' ? res.last_index : 0 };
      }),
    leave: (self, peers) => call(peers, async (c) => void (await c.delete(`/raft/peers/${self}`))),
  };
}
