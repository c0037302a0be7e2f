/**
 * The simulator's global safety record: what every node of every incarnation
 * did, checked against Raft's safety properties (Raft paper, figure 3) as it
 * happens. A violation is recorded (not thrown, since it is usually noticed
 * inside the driver's loop) and the simulator stops after the step.
 *
 * - Election safety: at most one leader per term.
 * - State machine safety: every node applies the same command at an index
 *   (term and bytes), and a node restored from a snapshot holds the same state
 *   other nodes had at that point.
 * - Applied indexes only increase within one incarnation of a node.
 * - Leader completeness (weak form, from outside the core): a new leader of
 *   term T has a log at least as long as every entry known to be committed
 *   before T (an entry applied by a node whose term was below T).
 */
import type { NodeId } from '../core/types.js';

interface AppliedEntry {
  term: number;
  hash: string;
  /** The smallest term a node was in when it applied the entry (the entry was committed in that term or earlier). */
  knownInTerm: number;
  by: string;
}

/** The applying side of one node incarnation (`n2#3`: node n2, third start). */
export interface IncarnationRecord {
  readonly name: string;
  /** The last index applied (or restored). */
  lastIndex: number;
  /** The index of the last state change (a command that was not a duplicate, or a restore). */
  lastState: number;
}

export class SafetyMonitor {
  readonly violations: string[] = [];
  private readonly leaders = new Map<number, NodeId>();
  private readonly applied = new Map<number, AppliedEntry>();
  private readonly states = new Map<number, { digest: string; by: string }>();
  private maxIndex = 0;

  /** The highest index any node applied. */
  get highestApplied(): number {
    return this.maxIndex;
  }

  /** The number of distinct indexes applied somewhere. */
  get appliedCount(): number {
    return this.applied.size;
  }

  /** The command hash applied at `index`, if any node applied it. */
  appliedAt(index: number): { term: number; hash: string } | undefined {
    return this.applied.get(index);
  }

  /** `id` became (or is) leader of `term` with a log ending at `lastIndex`. */
  leader(id: NodeId, term: number, lastIndex: number): void {
    const known = this.leaders.get(term);
    if (known === undefined) {
      this.leaders.set(term, id);
      this.checkCompleteness(id, term, lastIndex);
    } else if (known !== id) {
      this.violate(`election safety: two leaders in term ${term}: ${known} and ${id}`);
    }
  }

  /** `inc` applied the command with `hash` at (index, term) while in `nodeTerm`. */
  apply(inc: IncarnationRecord, index: number, term: number, hash: string, nodeTerm: number): void {
    if (index <= inc.lastIndex) this.violate(`${inc.name} applied index ${index} after ${inc.lastIndex}`);
    inc.lastIndex = Math.max(inc.lastIndex, index);
    const prev = this.applied.get(index);
    if (prev === undefined) {
      this.applied.set(index, { term, hash, knownInTerm: nodeTerm, by: inc.name });
      this.maxIndex = Math.max(this.maxIndex, index);
      return;
    }
    if (prev.term !== term || prev.hash !== hash) {
      this.violate(`state machine safety: ${inc.name} applied (index ${index}, term ${term}, ${hash}) but ${prev.by} applied (term ${prev.term}, ${prev.hash})`);
    }
    if (nodeTerm < prev.knownInTerm) prev.knownInTerm = nodeTerm;
  }

  /** The replicated state after the command at `index` (or after a restore to it) has `digest`. */
  state(inc: IncarnationRecord, index: number, digest: string): void {
    inc.lastState = index;
    const prev = this.states.get(index);
    if (prev === undefined) this.states.set(index, { digest, by: inc.name });
    else if (prev.digest !== digest) {
      this.violate(`state machine safety: ${inc.name} has state ${digest} after index ${index}, ${prev.by} had ${prev.digest}`);
    }
  }

  /** `inc` restored a snapshot whose state is as of `index`. */
  restore(inc: IncarnationRecord, index: number, digest: string): void {
    if (index < inc.lastState) this.violate(`${inc.name} restored a snapshot at ${index}, behind its state at ${inc.lastState}`);
    inc.lastIndex = Math.max(inc.lastIndex, index);
    this.state(inc, index, digest);
  }

  violate(what: string): void {
    this.violations.push(what);
  }

  private checkCompleteness(id: NodeId, term: number, lastIndex: number): void {
    let need = 0;
    for (const [index, e] of this.applied) if (e.knownInTerm < term && index > need) need = index;
    if (lastIndex < need) {
      this.violate(`leader completeness: ${id} leads term ${term} with last index ${lastIndex}, but index ${need} was committed before`);
    }
  }
}

/** FNV-1a (32 bit) of bytes, as 8 hex digits. */
export function hashBytes(data: Uint8Array, seed = 0x811c9dc5): string {
  let h = seed >>> 0;
  for (const b of data) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** FNV-1a (32 bit) of a string's UTF-16 code units, continuing from `seed`. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** `Name: message` of an error, for traces. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
