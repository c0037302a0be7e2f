/**
 * The sequence number of a stored message without parsing all of it: replay
 * skips millions of records by seq, and decoding each MSG would dominate.
 * The header has exactly six SPs before STRUCTURED-DATA; when the first SD
 * element there is `[flynn seq="n"]` (always, for messages this host wrote)
 * the number is read in place, otherwise the message is parsed in full.
 */
import { parseRfc5424 } from './rfc5424.js';
import { seqOf } from './log-message.js';

const NEEDLE = new TextEncoder().encode('[flynn seq="');
/** PRI+VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID, each followed by SP. */
const HEADER_SPACES = 6;
/** Longest valid header: <191>1 + timestamp + 255 + 48 + 128 + 32 + the six SPs. */
const MAX_HEADER = 7 + 32 + 255 + 48 + 128 + 32 + HEADER_SPACES;

/** The seq of an RFC 5424 message (no framing), or undefined when it has none / is not valid. */
export function messageSeq(message: Uint8Array): number | undefined {
  const sd = sdStart(message);
  if (sd < 0 || !startsWithAt(message, NEEDLE, sd)) return fullParseSeq(message);
  let n = 0;
  let i = sd + NEEDLE.length;
  const start = i;
  for (; i < message.length && i - start < 16; i++) {
    const c = message[i]!;
    if (c === 0x22) break;
    if (c < 0x30 || c > 0x39) return fullParseSeq(message);
    n = n * 10 + (c - 0x30);
  }
  if (i === start || message[i] !== 0x22 || !Number.isSafeInteger(n)) return fullParseSeq(message);
  return n;
}

/** Index after the sixth SP, or -1. */
function sdStart(message: Uint8Array): number {
  let at = -1;
  for (let k = 0; k < HEADER_SPACES; k++) {
    at = message.indexOf(0x20, at + 1);
    if (at < 0 || at > MAX_HEADER) return -1;
  }
  return at + 1;
}

function startsWithAt(hay: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at + needle.length > hay.length) return false;
  for (let k = 0; k < needle.length; k++) if (hay[at + k] !== needle[k]) return false;
  return true;
}

function fullParseSeq(message: Uint8Array): number | undefined {
  try {
    return seqOf(parseRfc5424(message));
  } catch {
    return undefined;
  }
}
