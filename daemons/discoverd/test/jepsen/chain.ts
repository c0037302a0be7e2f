/**
 * "No acknowledged write is lost": successful CAS writes of one register form
 * a single chain (each names the index of the one it replaced, down to the
 * create with index 0). Walking back from the final value through the
 * indexes the clients observed must pass every acknowledged write.
 */
import { isPending } from '@flynn-ts/raft/testing';
import type { CasMeta, Operation } from '@flynn-ts/raft/testing';
import type { MetaInput, MetaOutput } from './workload.js';

export interface ChainReport {
  ok: boolean;
  /** The values from the final one back to the create. */
  chain: string[];
  acknowledged: number;
  /** Acknowledged writes whose value is not on the chain. */
  lost: string[];
  /** Why the chain could not be followed, if it could not. */
  problem?: string;
}

export function checkAcknowledgedChain(history: readonly Operation<MetaInput, MetaOutput>[], final: CasMeta<string> | null): ChainReport {
  const writes = new Map<string, { expected: number; pending: boolean }>();
  const valueAt = new Map<number, string>();
  const acked: string[] = [];
  for (const op of history) {
    if (op.input.op === 'write') writes.set(op.input.value, { expected: op.input.index, pending: isPending(op) });
    if (isPending(op)) continue;
    const out = op.output;
    if (out.op === 'write' && out.ok && op.input.op === 'write') {
      valueAt.set(out.index, op.input.value);
      acked.push(op.input.value);
    }
    if (out.op === 'read' && out.meta) valueAt.set(out.meta.index, out.meta.value);
  }
  const chain: string[] = [];
  let problem: string | undefined;
  if (final !== null) {
    valueAt.set(final.index, final.value);
    const seen = new Set<string>();
    for (let value: string | undefined = final.value; value !== undefined; ) {
      const w = writes.get(value);
      if (!w) {
        problem = `value ${JSON.stringify(value)} was never written`;
        break;
      }
      if (seen.has(value)) {
        problem = `cycle at ${JSON.stringify(value)}`;
        break;
      }
      seen.add(value);
      chain.push(value);
      if (w.expected === 0) break;
      value = valueAt.get(w.expected);
      if (value === undefined) problem = `no value was ever observed at index ${w.expected}`;
    }
  }
  const onChain = new Set(chain);
  const lost = acked.filter((v) => !onChain.has(v));
  return { ok: problem === undefined && lost.length === 0, chain, acknowledged: acked.length, lost, ...(problem ? { problem } : {}) };
}
