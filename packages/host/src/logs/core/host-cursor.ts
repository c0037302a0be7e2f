/**
 * The replay cursor a log receiver reports per host (reference §10,
 * `GET /cursors`), in the original's JSON shape (logaggregator/utils.HostCursor):
 *
 *   { "<host id>": { "time": "<RFC 3339 timestamp of the last message>", "seq": <n> }, ... }
 *
 * `seq` is the `[flynn seq="n"]` of the last message the receiver has stored
 * from that host (its HOSTNAME). A host sends its messages in strictly
 * increasing `seq` order on every connection, so "last stored" means "every
 * message up to it"; after a reconnect the host sends exactly the messages
 * with a larger `seq`. Unlike the original (whose seq restarted at 0 with
 * every daemon), our seq never goes backwards on a host, so `seq` alone orders
 * messages and `time` is informational.
 */
import { FlynnError } from '@flynn-ts/core';

export interface HostCursor {
  /** Timestamp of the message with this seq (informational). */
  time: string;
  seq: number;
}

export type CursorMap = Record<string, HostCursor>;

export const CURSORS_INVALID = 'FLYNN_HOST_LOG_CURSORS_INVALID';

export class CursorsError extends FlynnError {
  constructor(message: string) {
    super(CURSORS_INVALID, `/cursors: ${message}`, { apiCode: 'validation_error' });
    this.name = 'CursorsError';
  }
}

/**
 * Validates a `/cursors` body. Throws CursorsError when it is not an object of
 * cursors; an entry with a bad `seq` is an error too (better to replay
 * from a known point than to trust half of a body).
 */
export function parseCursors(body: unknown): CursorMap {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CursorsError('expected a JSON object');
  const out: CursorMap = {};
  for (const [host, v] of Object.entries(body as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null) throw new CursorsError(`cursor of ${host} is not an object`);
    const { seq, time } = v as { seq?: unknown; time?: unknown };
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw new CursorsError(`cursor of ${host}: seq must be a non-negative integer`);
    out[host] = { seq, time: typeof time === 'string' ? time : '' };
  }
  return out;
}

/** Records a message in a receiver's cursor map (what a receiver does per stored message). */
export function advanceCursor(map: CursorMap, hostId: string, seq: number, time: string): void {
  const cur = map[hostId];
  if (!cur || seq > cur.seq) map[hostId] = { seq, time };
}
