/**
 * The DNS message model: questions, resource records and whole messages, as
 * decoded by `decodeMessage`/`decodeQuery` and encoded by `DnsWriter`.
 * Class is IN for every typed record; `RawRecord` carries anything else.
 */
import type { DnsName } from './dns-name.js';

export interface DnsQuestion {
  name: DnsName;
  type: number;
  class: number;
}

interface RecordBase {
  name: DnsName;
  ttl: number;
}

export interface ARecord extends RecordBase {
  kind: 'A';
  /** 4 bytes. */
  address: Uint8Array;
}

export interface AaaaRecord extends RecordBase {
  kind: 'AAAA';
  /** 16 bytes. */
  address: Uint8Array;
}

export interface SrvRecord extends RecordBase {
  kind: 'SRV';
  priority: number;
  weight: number;
  port: number;
  /** Written uncompressed, as RFC 2782 asks. */
  target: DnsName;
}

export interface SoaRecord extends RecordBase {
  kind: 'SOA';
  mname: DnsName;
  rname: DnsName;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** Any other record, with its RDATA as bytes (names inside it are not decompressed). */
export interface RawRecord extends RecordBase {
  kind: 'raw';
  type: number;
  class: number;
  data: Uint8Array;
}

export type DnsRecord = ARecord | AaaaRecord | SrvRecord | SoaRecord | RawRecord;

/** The OPT pseudo-record (RFC 6891), kept out of the additional section. */
export interface Edns {
  /** Requestor's UDP payload size (the OPT class). */
  udpSize: number;
  /** Upper 8 bits of the 12-bit rcode. */
  extendedRcode: number;
  version: number;
  dnssecOk: boolean;
  /** Options, undecoded. */
  options: Uint8Array;
}

export interface DnsMessage {
  id: number;
  /** The 16-bit flags word; see `Flag`, `opcodeOf`, `rcodeOf`. */
  flags: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
  edns: Edns | undefined;
}

/** The one-question query a server answers, decoded without building the record sections. */
export interface DnsQuery {
  id: number;
  flags: number;
  question: DnsQuestion;
  edns: Edns | undefined;
}

export const opcodeOf = (flags: number): number => (flags >>> 11) & 0xf;
export const rcodeOf = (flags: number): number => flags & 0xf;
/** The record type number of a record. */
export function recordType(r: DnsRecord): number {
  switch (r.kind) {
    case 'A':
      return 1;
    case 'AAAA':
      return 28;
    case 'SRV':
      return 33;
    case 'SOA':
      return 6;
    case 'raw':
      return r.type;
  }
}
