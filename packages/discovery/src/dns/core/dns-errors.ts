import { FlynnError } from '@flynn-ts/core';

export const DNS_FORMAT = 'FLYNN_DISCOVERY_DNS_FORMAT';
export const DNS_CONFIG = 'FLYNN_DISCOVERY_DNS_CONFIG';

/** The 12-byte header of a message, as read before anything else could fail. */
export interface DnsHeader {
  id: number;
  /** The 16-bit flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). */
  flags: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

/**
 * Malformed DNS bytes (or a name that cannot be encoded). `header` is set when
 * the 12-byte header was readable, so a server can answer FORMERR to it.
 */
export class DnsFormatError extends FlynnError {
  readonly header: DnsHeader | undefined;
  readonly offset: number | undefined;

  constructor(message: string, options: { header?: DnsHeader; offset?: number } = {}) {
    super(DNS_FORMAT, message, { apiCode: 'validation_error' });
    this.name = 'DnsFormatError';
    this.header = options.header;
    this.offset = options.offset;
  }
}

/** A DNS server option that cannot work (an unparseable address, say). */
export class DnsConfigError extends FlynnError {
  constructor(message: string) {
    super(DNS_CONFIG, message, { apiCode: 'validation_error' });
    this.name = 'DnsConfigError';
  }
}
