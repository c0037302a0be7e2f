/**
 * diagnostics_channel names used across flynn-ts: `flynn:<pkg>:<event>`.
 * Packages publish on them; daemons and tests subscribe. Channel objects are
 * created lazily by `node:diagnostics_channel` so publishing is free when no
 * one listens.
 */
import * as diagnostics from 'node:diagnostics_channel';

export const channels = {
  httpRequest: 'flynn:http:request',
  httpResponse: 'flynn:http:response',
  httpClientRetry: 'flynn:http:client-retry',
  httpClientFailover: 'flynn:http:client-failover',
  sseReconnect: 'flynn:sse:reconnect',
  raftLeaderChanged: 'flynn:raft:leader-changed',
  raftStateChanged: 'flynn:raft:state-changed',
  raftApplied: 'flynn:raft:applied',
  raftSnapshot: 'flynn:raft:snapshot',
  discoveryEvent: 'flynn:discovery:event',
  routerBackendUp: 'flynn:router:backend-up',
  routerBackendDown: 'flynn:router:backend-down',
  routerBackendDrained: 'flynn:router:backend-drained',
  hostJobEvent: 'flynn:host:job-event',
} as const;

export type ChannelName = (typeof channels)[keyof typeof channels];

/** Publishes `message` on channel `name` if anyone subscribes. */
export function publish(name: string, message: unknown): void {
  const ch = diagnostics.channel(name);
  if (ch.hasSubscribers) ch.publish(message);
}

/** Subscribes to a channel; returns the unsubscribe function. */
export function subscribe(name: string, fn: (message: unknown) => void): () => void {
  const handler = (m: unknown) => fn(m);
  diagnostics.subscribe(name, handler);
  return () => {
    diagnostics.unsubscribe(name, handler);
  };
}
