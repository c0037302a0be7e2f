/**
 * A small replicated key-value store: the state machine used by the simulator,
 * the real-process crash test, the benchmark and the docs' examples.
 *
 * Commands are JSON. Every write's revision is the raft index that applied it
 * (so revisions are unique and increase), and each key remembers the revision
 * of its last write (`mod`), as etcd's `mod_revision`.
 */
import type { StateMachine } from '../state-machine.js';

export type KvCommand =
  | { op: 'put'; key: string; value: string }
  | { op: 'cas'; key: string; /** expected mod revision; 0 = key must not exist */ expect: number; value: string }
  | { op: 'delete'; key: string }
  | { op: 'get'; key: string };

export type KvResult =
  | { op: 'put'; revision: number }
  | { op: 'cas'; ok: boolean; revision: number; /** the key's mod revision after the command (0 = absent) */ mod: number }
  | { op: 'delete'; existed: boolean; revision: number }
  | { op: 'get'; value: string | undefined; mod: number };

export interface KvEntry {
  value: string;
  mod: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeKvCommand(cmd: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

export class KvStateMachine implements StateMachine<KvResult> {
  private data = new Map<string, KvEntry>();
  private lastIndex = 0;

  apply(command: Uint8Array, meta: { index: number; term: number }): KvResult {
    const cmd = JSON.parse(decoder.decode(command)) as KvCommand;
    this.lastIndex = meta.index;
    switch (cmd.op) {
      case 'put':
        this.data.set(cmd.key, { value: cmd.value, mod: meta.index });
        return { op: 'put', revision: meta.index };
      case 'cas': {
        const cur = this.data.get(cmd.key);
        const curMod = cur?.mod ?? 0;
        if (curMod !== cmd.expect) return { op: 'cas', ok: false, revision: meta.index, mod: curMod };
        this.data.set(cmd.key, { value: cmd.value, mod: meta.index });
        return { op: 'cas', ok: true, revision: meta.index, mod: meta.index };
      }
      case 'delete': {
        const existed = this.data.delete(cmd.key);
        return { op: 'delete', existed, revision: meta.index };
      }
      case 'get': {
        const cur = this.data.get(cmd.key);
        return { op: 'get', value: cur?.value, mod: cur?.mod ?? 0 };
      }
    }
  }

  /** Local read (not linearizable by itself: call `RaftNode.read()` first). */
  get(key: string): KvEntry | undefined {
    const e = this.data.get(key);
    return e ? { ...e } : undefined;
  }

  keys(): string[] {
    return [...this.data.keys()].sort();
  }

  /** Index of the last applied command. */
  get appliedIndex(): number {
    return this.lastIndex;
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ lastIndex: this.lastIndex, data: [...this.data] }));
  }

  restore(data: Uint8Array): void {
    const s = JSON.parse(decoder.decode(data)) as { lastIndex: number; data: Array<[string, KvEntry]> };
    this.lastIndex = s.lastIndex;
    this.data = new Map(s.data);
  }
}
