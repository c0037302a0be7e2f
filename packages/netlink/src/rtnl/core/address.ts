import { AttributeDecoder, AttributeEncoder } from '../../wire/core/attributes.js';
import { ByteWriter } from '../../wire/core/byte-writer.js';
import { HOST_LE } from '../../wire/core/endian.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../../wire/core/errors.js';
import { NLM_F } from '../../wire/core/header.js';
import { AF, IFA, RTM } from './constants.js';
import { formatIp, parseCidr, parseIp } from './ip.js';
import type { RtnlRequest } from './request.js';

/** struct ifaddrmsg: u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index. */
export const IFADDRMSG_LEN = 8;

/** An interface address (RTM_NEWADDR). */
export interface Address {
  family: 4 | 6;
  /** Index of the link it is on. */
  dev: number;
  /** The interface's own address (IFA_LOCAL, else IFA_ADDRESS). */
  address: string;
  prefix: number;
  /** `address/prefix`. */
  cidr: string;
  /** The other end of a point-to-point link, when it differs from `address`. */
  peer?: string;
  broadcast?: string;
  label?: string;
  /** RT_SCOPE_* (0 global, 253 link, 254 host). */
  scope: number;
  /** IFA_F_* (from IFA_FLAGS when present). */
  flags: number;
}

export interface AddressSpec {
  /** Link index. */
  dev: number;
  /** `10.0.0.1/24` or `fd00::1/64`. */
  cidr: string;
  peer?: string;
  broadcast?: string;
  label?: string;
  scope?: number;
  /** IFA_F_* (e.g. IFA_F.NODAD, IFA_F.NOPREFIXROUTE). */
  flags?: number;
}

function addressMessage(type: number, flags: number, spec: AddressSpec): RtnlRequest {
  const c = parseCidr(spec.cidr, 'address.cidr');
  const f = spec.flags ?? 0;
  const w = new ByteWriter();
  w.u8(c.family).u8(c.prefix).u8(f <= 0xff ? f : 0).u8(spec.scope ?? 0).u32(spec.dev);
  const ae = new AttributeEncoder(w);
  ae.bytes(IFA.LOCAL, c.bytes);
  const peer = spec.peer === undefined ? c.bytes : parseIp(spec.peer, 'address.peer').bytes;
  if (peer.length !== c.bytes.length) throw new NetlinkEncodeError('address.peer', 'family differs from the address');
  ae.bytes(IFA.ADDRESS, peer);
  if (spec.broadcast !== undefined) ae.bytes(IFA.BROADCAST, parseIp(spec.broadcast, 'address.broadcast').bytes);
  if (spec.label !== undefined) ae.string(IFA.LABEL, spec.label);
  if (f > 0xff) ae.u32(IFA.FLAGS, f);
  return { type, flags, data: ae.encode(), dump: false };
}

/** RTM_NEWADDR, as `ip addr add` (or `ip addr replace` with `replace`). */
export function addAddressRequest(spec: AddressSpec, options: { replace?: boolean } = {}): RtnlRequest {
  return addressMessage(RTM.NEWADDR, NLM_F.CREATE | (options.replace ? NLM_F.REPLACE : NLM_F.EXCL), spec);
}

/** RTM_DELADDR, as `ip addr del`. */
export function deleteAddressRequest(spec: AddressSpec): RtnlRequest {
  return addressMessage(RTM.DELADDR, 0, spec);
}

/** RTM_GETADDR dump; `family` 0 for both IPv4 and IPv6. */
export function dumpAddressesRequest(family: number = AF.UNSPEC): RtnlRequest {
  const w = new ByteWriter();
  w.u8(family).u8(0).u8(0).u8(0).u32(0);
  return { type: RTM.GETADDR, flags: 0, data: w.finish(), dump: true };
}

/** Parses an RTM_NEWADDR/RTM_DELADDR payload; throws NetlinkDecodeError. */
export function parseAddress(data: Uint8Array): Address {
  if (data.length < IFADDRMSG_LEN) throw new NetlinkDecodeError(`ifaddrmsg needs ${IFADDRMSG_LEN} bytes, got ${data.length}`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const family = v.getUint8(0) === AF.INET6 ? 6 : 4;
  const prefix = v.getUint8(1);
  let flags = v.getUint8(2);
  const scope = v.getUint8(3);
  const dev = v.getUint32(4, HOST_LE);
  let local: string | undefined;
  let address: string | undefined;
  const out: Partial<Address> = {};
  const ad = new AttributeDecoder(data, IFADDRMSG_LEN);
  while (ad.next()) {
    switch (ad.type()) {
      case IFA.LOCAL:
        local = formatIp(ad.bytes());
        break;
      case IFA.ADDRESS:
        address = formatIp(ad.bytes());
        break;
      case IFA.BROADCAST:
        out.broadcast = formatIp(ad.bytes());
        break;
      case IFA.LABEL:
        out.label = ad.string();
        break;
      case IFA.FLAGS:
        flags = ad.u32();
        break;
    }
  }
  const err = ad.err();
  if (err) throw err;
  const own = local ?? address ?? '';
  const result: Address = { family, dev, address: own, prefix, cidr: `${own}/${prefix}`, scope, flags, ...out };
  if (local !== undefined && address !== undefined && address !== local) result.peer = address;
  return result;
}
