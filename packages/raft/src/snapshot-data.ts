/**
 * The data of a snapshot `RaftNode` takes: the driver's own replicated state
 * (the proposal sessions, see `proposal-sessions.ts`) in front of the state
 * machine's bytes, so both are restored together.
 *
 * Layout: 8-byte magic `\0flynnS\x01` | u32 BE sessions length | sessions |
 * state-machine data. Data without the magic (snapshots written before the
 * sessions existed, or by other drivers) is the state machine's data alone.
 */
const MAGIC = Uint8Array.of(0x00, 0x66, 0x6c, 0x79, 0x6e, 0x6e, 0x53, 0x01);
const HEADER = MAGIC.length + 4;

export interface SnapshotParts {
  /** The encoded proposal sessions; empty for legacy data. */
  sessions: Uint8Array;
  /** What the state machine's `snapshot()` returned. */
  state: Uint8Array;
}

export function wrapSnapshotData(sessions: Uint8Array, state: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + sessions.length + state.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, sessions.length, false);
  out.set(sessions, HEADER);
  out.set(state, HEADER + sessions.length);
  return out;
}

export function unwrapSnapshotData(data: Uint8Array): SnapshotParts {
  if (data.length < HEADER || !MAGIC.every((b, i) => data[i] === b)) return { sessions: new Uint8Array(0), state: data };
  const len = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(MAGIC.length, false);
  if (HEADER + len > data.length) return { sessions: new Uint8Array(0), state: data };
  return { sessions: data.subarray(HEADER, HEADER + len), state: data.subarray(HEADER + len) };
}
