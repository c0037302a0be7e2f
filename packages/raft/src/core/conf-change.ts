/**
 * Membership changes: the wire codec for {@link ConfChange} entries and the
 * pure rule that applies one change to a {@link ConfState}.
 *
 * Codec: UTF-8 JSON `{"v":1,"type":…,"node":…,"context"?:…}`. Small, stable,
 * and readable in a hex dump; `decodeConfChange` validates every field.
 */
import type { ConfChange, ConfChangeType, ConfState, NodeId } from './types.js';
import { ConfChangeInvalidError } from './errors.js';

const TYPES: readonly ConfChangeType[] = ['add-voter', 'add-learner', 'remove-node'];
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const wire: Record<string, unknown> = { v: 1, type: cc.type, node: cc.node };
  if (cc.context !== undefined) wire.context = cc.context;
  return encoder.encode(JSON.stringify(wire));
}

/** Decodes a conf-change entry's data; throws {@link ConfChangeInvalidError} on bad input. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  let wire: unknown;
  try {
    wire = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new ConfChangeInvalidError(`undecodable data (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof wire !== 'object' || wire === null) throw new ConfChangeInvalidError('not an object');
  const w = wire as Record<string, unknown>;
  if (w.v !== 1) throw new ConfChangeInvalidError(`unknown version ${String(w.v)}`);
  if (typeof w.type !== 'string' || !TYPES.includes(w.type as ConfChangeType)) {
    throw new ConfChangeInvalidError(`unknown type ${String(w.type)}`);
  }
  if (typeof w.node !== 'string' || w.node === '') throw new ConfChangeInvalidError('node must be a non-empty string');
  const cc: ConfChange = { type: w.type as ConfChangeType, node: w.node };
  if (w.context !== undefined) {
    if (typeof w.context !== 'string') throw new ConfChangeInvalidError('context must be a string');
    cc.context = w.context;
  }
  return cc;
}

/**
 * The configuration after `cc`. Idempotent: adding a voter that is one, or
 * removing a node that is not a member, changes nothing. Adding a learner as a
 * voter promotes it; adding a voter as a learner demotes it. Does not validate
 * (see {@link validateConfChange}); the result is sorted.
 */
export function applyConfChangeTo(conf: ConfState, cc: ConfChange): ConfState {
  const voters = new Set(conf.voters);
  const learners = new Set(conf.learners);
  switch (cc.type) {
    case 'add-voter':
      learners.delete(cc.node);
      voters.add(cc.node);
      break;
    case 'add-learner':
      voters.delete(cc.node);
      learners.add(cc.node);
      break;
    case 'remove-node':
      voters.delete(cc.node);
      learners.delete(cc.node);
      break;
  }
  return { voters: sortIds([...voters]), learners: sortIds([...learners]) };
}

/** Why `cc` may not be applied to `conf`, or undefined if it may. */
export function validateConfChange(conf: ConfState, cc: ConfChange): string | undefined {
  if (cc.node === '') return 'node id must be non-empty';
  const next = applyConfChangeTo(conf, cc);
  if (next.voters.length === 0) return `removing ${cc.node} would leave no voters`;
  return undefined;
}

/** Node ids in a stable order: numeric ids numerically, others lexically after. */
export function compareNodeIds(a: NodeId, b: NodeId): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortIds(ids: NodeId[]): NodeId[] {
  return ids.sort(compareNodeIds);
}

export function describeConfChange(cc: ConfChange): string {
  return `${cc.type} ${cc.node}`;
}

export function describeConf(conf: ConfState): string {
  return `voters=(${conf.voters.join(' ')}) learners=(${conf.learners.join(' ')})`;
}
