/**
 * The kv-server's state machine: `KvStateMachine` (src/testing) plus what the
 * etcd JSON gateway needs on top of it: a failed compare-and-swap answers with
 * the key's current entry (etcd's `failure: [request_range]`), and ranges over
 * `[key, rangeEnd)`.
 *
 * Keys and values are byte strings: the API's base64 is decoded to `latin1`
 * strings (one char per byte), so ordering strings orders bytes, and nothing
 * is lost on the way back.
 */
import type { StateMachine } from '../src/state-machine.js';
import { encodeKvCommand, KvStateMachine } from '../src/testing/kv-state-machine.js';
import type { KvCommand, KvEntry, KvResult } from '../src/testing/kv-state-machine.js';

/** What a proposal resolves with: the `KvResult`, and for a failed cas the entry that made it fail. */
export type KvReply = KvResult & { current?: KvEntry | undefined };

export interface KvItem {
  key: string;
  value: string;
  mod: number;
}

const decoder = new TextDecoder();

export class KvStore implements StateMachine<KvReply> {
  private readonly inner = new KvStateMachine();

  apply(command: Uint8Array, meta: { index: number; term: number }): KvReply {
    const result = this.inner.apply(command, meta);
    if (result.op !== 'cas' || result.ok) return result;
    const { key } = JSON.parse(decoder.decode(command)) as Extract<KvCommand, { op: 'cas' }>;
    return { ...result, current: this.inner.get(key) };
  }

  snapshot(): Uint8Array {
    return this.inner.snapshot();
  }

  restore(data: Uint8Array): void {
    this.inner.restore(data);
  }

  /** The revision of the store: the index of the last applied entry. */
  get revision(): number {
    return this.inner.appliedIndex;
  }

  /**
   * A local read. Without `rangeEnd`, the one key; with it, the keys in
   * `[key, rangeEnd)`, or every key `>= key` when `rangeEnd` is `"\0"` (etcd's
   * convention). At most `limit` items when `limit > 0`; `count` is the total.
   */
  range(key: string, rangeEnd?: string, limit = 0): { items: KvItem[]; count: number } {
    if (rangeEnd === undefined || rangeEnd === '') {
      const e = this.inner.get(key);
      return e ? { items: [{ key, ...e }], count: 1 } : { items: [], count: 0 };
    }
    const all = rangeEnd === '\0';
    const items: KvItem[] = [];
    let count = 0;
    for (const k of this.inner.keys()) {
      if (k < key || (!all && k >= rangeEnd)) continue;
      count++;
      if (limit > 0 && items.length >= limit) continue;
      const e = this.inner.get(k)!;
      items.push({ key: k, ...e });
    }
    return { items, count };
  }
}

export { encodeKvCommand };
