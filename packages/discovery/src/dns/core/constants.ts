/**
 * DNS wire constants (RFC 1035, 2782, 3596, 6891). Numbers, not enums, so they
 * inline and compare as Smis on the hot path.
 */

/** Resource record types used here. */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  AXFR: 252,
  ANY: 255,
} as const;

export const RRClass = { IN: 1, ANY: 255 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode (needs OPT): 16 = 1 << 4 | 0. */
  BADVERS: 16,
} as const;

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

/** Header flag bits, within the 16-bit flags word. */
export const Flag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

export const HEADER_SIZE = 12;
/** Largest DNS message (TCP frames carry a 16-bit length). */
export const MAX_MESSAGE_SIZE = 65535;
/** A UDP answer without EDNS. */
export const MIN_UDP_SIZE = 512;
/** Our EDNS UDP payload size: the DNS flag day 2020 value, which avoids IP fragmentation. */
export const EDNS_UDP_SIZE = 1232;
/** Longest domain name in wire form, length octets included (RFC 1035 §2.3.4). */
export const MAX_NAME_WIRE = 255;
export const MAX_LABEL = 63;
