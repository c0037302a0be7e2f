/**
 * Shortcuts over {@link InteractionEnv} for tests and simulators: quiet
 * clusters with an elected leader, proposals that run to completion, and
 * small message builders for stepping a core directly.
 */
import type { Message, MessageType, NodeId } from '../core/types.js';
import { InteractionEnv } from './interaction-env.js';
import type { NodeOptions } from './interaction-env.js';

const encoder = new TextEncoder();

export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** A quiet env with `n` founding voters (ids "1".."n"), bootstrap persisted. */
export function cluster(n: number, options: NodeOptions = {}, seed = 1): InteractionEnv {
  const env = new InteractionEnv({ seed, logLevel: 'none' });
  const ids = env.addNodes(n, options, { voters: Array.from({ length: n }, (_, i) => String(i + 1)) });
  for (const id of ids) env.processReady(id);
  return env;
}

/** `id` campaigns and the network settles; returns the env for chaining. */
export function elect(env: InteractionEnv, id: NodeId): InteractionEnv {
  env.node(id).core.campaign();
  env.stabilize();
  return env;
}

/** A cluster of `n` with node "1" elected leader. */
export function clusterWithLeader(n: number, options: NodeOptions = {}, seed = 1): InteractionEnv {
  return elect(cluster(n, options, seed), '1');
}

/** Proposes on `id` and settles the network. */
export function proposeAndSettle(env: InteractionEnv, id: NodeId, data: string): void {
  env.node(id).core.propose(bytes(data));
  env.stabilize();
}

/** The applied, non-empty normal payloads of a node, in order. */
export function appliedData(env: InteractionEnv, id: NodeId): string[] {
  return env.node(id).applied.filter((e) => !e.conf && e.data !== '').map((e) => e.data);
}

/** A message with defaults, for stepping a core directly. */
export function msg(type: MessageType, from: NodeId, to: NodeId, fields: Partial<Message> = {}): Message {
  return { type, from, to, term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...fields };
}
