import { AttributeDecoder } from './attributes.js';
import { HOST_LE } from './endian.js';
import type { ExtendedAck } from './errors.js';
import { NetlinkDecodeError } from './errors.js';
import { NLM_F, NLMSG_HDRLEN } from './header.js';
import type { NetlinkHeader, NetlinkMessage } from './header.js';
import { align } from './align.js';

/** NLMSGERR_ATTR_* (linux/netlink.h): the TLVs of an extended ack. */
export const NLMSGERR_ATTR = {
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
  MISS_TYPE: 5,
  MISS_NEST: 6,
} as const;

/** A decoded NLMSG_ERROR (errno 0 is an ack) or NLMSG_DONE. */
export interface AckMessage {
  /** 0 for success, else a positive errno. */
  errno: number;
  /** The header of the request being answered (NLMSG_ERROR only). */
  request?: NetlinkHeader;
  ack?: ExtendedAck;
}

function decodeExtAck(data: Uint8Array, offset: number): ExtendedAck | undefined {
  const ad = new AttributeDecoder(data, offset);
  const ack: ExtendedAck = {};
  while (ad.next()) {
    switch (ad.type()) {
      case NLMSGERR_ATTR.MSG:
        ack.message = ad.string();
        break;
      case NLMSGERR_ATTR.OFFS:
        ack.offset = ad.u32();
        break;
      case NLMSGERR_ATTR.MISS_TYPE:
        ack.missingType = ad.u32();
        break;
    }
  }
  const err = ad.err();
  if (err) throw err;
  return Object.keys(ack).length > 0 ? ack : undefined;
}

/**
 * Decodes the payload of an NLMSG_ERROR message: struct nlmsgerr (int error,
 * the request's nlmsghdr and, unless NLM_F_CAPPED, its payload), then the
 * extended-ack attributes when NLM_F_ACK_TLVS is set.
 */
export function decodeErrorMessage(msg: NetlinkMessage): AckMessage {
  const { data } = msg;
  if (data.length < 4 + NLMSG_HDRLEN) throw new NetlinkDecodeError(`NLMSG_ERROR payload of ${data.length} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const errno = -view.getInt32(0, HOST_LE) | 0;
  const request: NetlinkHeader = {
    length: view.getUint32(4, HOST_LE),
    type: view.getUint16(8, HOST_LE),
    flags: view.getUint16(10, HOST_LE),
    seq: view.getUint32(12, HOST_LE),
    pid: view.getUint32(16, HOST_LE),
  };
  const out: AckMessage = { errno, request };
  if (msg.header.flags & NLM_F.ACK_TLVS) {
    const echoed = msg.header.flags & NLM_F.CAPPED ? NLMSG_HDRLEN : align(request.length);
    const ack = decodeExtAck(data, 4 + echoed);
    if (ack) out.ack = ack;
  }
  return out;
}

/** Decodes NLMSG_DONE: an int (a dump's final status) and optional extended-ack TLVs. */
export function decodeDoneMessage(msg: NetlinkMessage): AckMessage {
  const { data } = msg;
  if (data.length < 4) return { errno: 0 };
  const errno = -new DataView(data.buffer, data.byteOffset, data.byteLength).getInt32(0, HOST_LE) | 0;
  const out: AckMessage = { errno };
  if (msg.header.flags & NLM_F.ACK_TLVS) {
    const ack = decodeExtAck(data, 4);
    if (ack) out.ack = ack;
  }
  return out;
}
