/**
 * Raft's safety properties (paper, fig. 3), checked against a test network:
 *
 * - Election Safety: at most one leader per term;
 * - Leader Completeness: a leader's log holds every entry committed before it was elected;
 * - State Machine Safety: no two nodes apply different entries at the same index;
 * - Log Matching: if two logs have an entry with the same index and term, the
 *   logs are identical up to it (checked on demand by `checkLogMatching`).
 *
 * Violations are collected as strings (a test asserts the list is empty), so a
 * simulator can report them all with context.
 */
import type { RaftCore } from '../core/raft.js';
import type { NodeId } from '../core/types.js';

/** An entry as the test state machine recorded it. */
export interface AppliedEntry {
  index: number;
  term: number;
  data: string;
  conf: boolean;
}

interface ObservedNode {
  id: NodeId;
  core: RaftCore;
  applied: AppliedEntry[];
}

export class SafetyChecker {
  readonly violations: string[] = [];
  /** term → the leader seen in it. */
  readonly leaders = new Map<number, NodeId>();
  /** index → the entry applied there (by whoever applied it first). */
  private readonly committed = new Map<number, AppliedEntry>();
  /** Per node: the applied list already checked, and how far. */
  private readonly checked = new Map<NodeId, { list: AppliedEntry[]; upTo: number }>();

  observe(node: ObservedNode): void {
    this.checkApplied(node);
    const core = node.core;
    if (core.role !== 'leader') return;
    const prev = this.leaders.get(core.term);
    if (prev === undefined) {
      this.leaders.set(core.term, node.id);
      this.checkLeaderCompleteness(node);
    } else if (prev !== node.id) {
      this.report(`election safety: ${prev} and ${node.id} are both leaders of term ${core.term}`);
    }
  }

  private checkApplied(node: ObservedNode): void {
    let c = this.checked.get(node.id);
    if (!c || c.list !== node.applied) {
      c = { list: node.applied, upTo: 0 };
      this.checked.set(node.id, c);
    }
    for (; c.upTo < node.applied.length; c.upTo++) {
      const e = node.applied[c.upTo]!;
      const seen = this.committed.get(e.index);
      if (!seen) this.committed.set(e.index, e);
      else if (seen.term !== e.term || seen.data !== e.data) {
        this.report(`state machine safety: ${node.id} applied ${e.term}/${e.index} ${JSON.stringify(e.data)} but ${seen.term}/${seen.index} ${JSON.stringify(seen.data)} was applied before`);
      }
    }
  }

  private checkLeaderCompleteness(node: ObservedNode): void {
    const st = node.core.status();
    for (const [index, e] of this.committed) {
      if (index < st.firstIndex) continue; // compacted into the leader's snapshot
      const term = node.core.termAt(index);
      if (term !== e.term) {
        this.report(`leader completeness: leader ${node.id} of term ${st.term} has ${term === undefined ? 'no entry' : `term ${term}`} at committed index ${index} (term ${e.term})`);
      }
    }
  }

  /** Log Matching over the in-memory logs of `nodes`. Returns (and records) violations. */
  checkLogMatching(nodes: readonly ObservedNode[]): string[] {
    const found: string[] = [];
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const v = logMatchingViolation(nodes[i]!, nodes[j]!);
        if (v) found.push(v);
      }
    }
    for (const v of found) this.report(v);
    return found;
  }

  /** Records a violation once. */
  private report(v: string): void {
    if (!this.violations.includes(v)) this.violations.push(v);
  }
}

function logMatchingViolation(a: ObservedNode, b: ObservedNode): string | undefined {
  const sa = a.core.status();
  const sb = b.core.status();
  const lo = Math.max(sa.firstIndex, sb.firstIndex);
  const hi = Math.min(sa.lastIndex, sb.lastIndex);
  if (lo > hi) return undefined;
  const ea = a.core.entries(lo, hi + 1);
  const eb = b.core.entries(lo, hi + 1);
  // The highest index where the terms agree: everything before must be identical.
  let top = -1;
  for (let k = ea.length - 1; k >= 0; k--) {
    if (ea[k]!.term === eb[k]!.term) {
      top = k;
      break;
    }
  }
  for (let k = 0; k <= top; k++) {
    const x = ea[k]!;
    const y = eb[k]!;
    if (x.term !== y.term || x.type !== y.type || !bytesEqual(x.data, y.data)) {
      return `log matching: ${a.id} and ${b.id} agree at ${ea[top]!.term}/${ea[top]!.index} but differ at index ${x.index} (${x.term} vs ${y.term})`;
    }
  }
  return undefined;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);
}
