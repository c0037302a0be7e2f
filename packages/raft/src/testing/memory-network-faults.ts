/**
 * Fault settings of a `MemoryNetwork`, per link. A rule applies to the links
 * its selector matches (`from`/`to` left out match any node); when several
 * rules match, the one set last wins. Setting a rule again for the same
 * selector replaces it.
 */
import type { NodeId } from '../core/types.js';

/** Which links a fault applies to; a field left out matches any node. */
export interface LinkSelector {
  from?: NodeId;
  to?: NodeId;
}

export interface FaultValues {
  drop: number;
  duplicate: number;
  reorder: number;
  /** [minMs, maxMs] */
  delay: readonly [number, number];
}

export type FaultKind = keyof FaultValues;

interface Rule<K extends FaultKind> {
  from: NodeId | undefined;
  to: NodeId | undefined;
  value: FaultValues[K];
}

export class FaultRules {
  private rules: { [K in FaultKind]: Array<Rule<K>> } = { drop: [], duplicate: [], reorder: [], delay: [] };

  set<K extends FaultKind>(kind: K, link: LinkSelector, value: FaultValues[K]): void {
    const list = this.rules[kind] as Array<Rule<K>>;
    const kept = list.filter((r) => r.from !== link.from || r.to !== link.to);
    kept.push({ from: link.from, to: link.to, value });
    (this.rules[kind] as Array<Rule<K>>) = kept;
  }

  /** The value of the last matching rule, or undefined when none matches. */
  get<K extends FaultKind>(kind: K, from: NodeId, to: NodeId): FaultValues[K] | undefined {
    const list = this.rules[kind] as Array<Rule<K>>;
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i]!;
      if ((r.from === undefined || r.from === from) && (r.to === undefined || r.to === to)) return r.value;
    }
    return undefined;
  }

  clear(): void {
    this.rules = { drop: [], duplicate: [], reorder: [], delay: [] };
  }
}
