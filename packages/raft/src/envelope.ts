/**
 * Proposal envelopes: the driver wraps every normal proposal (and every
 * ReadIndex context) with its origin node and a per-node sequence number, so
 * the node that proposed an entry can settle the matching Promise when the
 * entry is applied, even if the proposal was forwarded to the leader.
 *
 * Layout (big-endian): u8 version (1) | u16 origin length | origin UTF-8 |
 * u32 seq high | u32 seq low | payload.
 */
import { FlynnError } from '@flynn-ts/core';

const VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export interface Envelope {
  origin: string;
  seq: number;
  payload: Uint8Array;
}

/** The last origin encoded or decoded, with its bytes: a node sees very few origins, and this runs per proposal. */
let cachedOrigin = '';
let cachedBytes = new Uint8Array(0);

function originBytes(origin: string): Uint8Array {
  if (origin !== cachedOrigin) {
    cachedBytes = encoder.encode(origin);
    cachedOrigin = origin;
  }
  return cachedBytes;
}

function originOf(bytes: Uint8Array): string {
  if (bytes.length !== cachedBytes.length || !bytes.every((b, i) => b === cachedBytes[i])) {
    cachedOrigin = decoder.decode(bytes);
    cachedBytes = bytes.slice();
  }
  return cachedOrigin;
}

export function encodeEnvelope(origin: string, seq: number, payload: Uint8Array): Uint8Array {
  const o = originBytes(origin);
  if (o.length > 0xffff) throw new RangeError('envelope origin too long');
  const out = new Uint8Array(1 + 2 + o.length + 8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint16(1, o.length, false);
  out.set(o, 3);
  view.setUint32(3 + o.length, Math.floor(seq / 0x1_0000_0000), false);
  view.setUint32(7 + o.length, seq >>> 0, false);
  out.set(payload, 11 + o.length);
  return out;
}

export function decodeEnvelope(data: Uint8Array): Envelope {
  if (data.length < 11 || data[0] !== VERSION) {
    throw new FlynnError('FLYNN_RAFT_ENVELOPE', `undecodable proposal envelope (${data.length} bytes)`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const olen = view.getUint16(1, false);
  if (data.length < 11 + olen) throw new FlynnError('FLYNN_RAFT_ENVELOPE', 'truncated proposal envelope');
  const origin = originOf(data.subarray(3, 3 + olen));
  const seq = view.getUint32(3 + olen, false) * 0x1_0000_0000 + view.getUint32(7 + olen, false);
  return { origin, seq, payload: data.subarray(11 + olen) };
}
