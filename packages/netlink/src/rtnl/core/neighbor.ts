import { AttributeDecoder, AttributeEncoder } from '../../wire/core/attributes.js';
import { ByteWriter } from '../../wire/core/byte-writer.js';
import { HOST_LE } from '../../wire/core/endian.js';
import { NetlinkDecodeError } from '../../wire/core/errors.js';
import { NLM_F } from '../../wire/core/header.js';
import { AF, NDA, NUD, RTM } from './constants.js';
import { formatIp, formatMac, parseIp, parseMac } from './ip.js';
import type { RtnlRequest } from './request.js';

/** struct ndmsg: u8 family, u8+u16 pad, i32 ifindex, u16 state, u8 flags, u8 type. */
export const NDMSG_LEN = 12;

/** A neighbour (ARP/NDP) entry, or with family AF_BRIDGE (7) a bridge/VXLAN FDB entry. */
export interface Neighbor {
  /** AF_INET (2), AF_INET6 (10) or AF_BRIDGE (7). */
  family: number;
  /** Link index. */
  dev: number;
  /** NDA_DST: the neighbour's IP, or for an FDB entry the remote VTEP. */
  ip?: string;
  /** NDA_LLADDR. */
  mac?: string;
  /** NUD_* bits. */
  state: number;
  /** NTF_* bits. */
  flags: number;
  type: number;
  vlan?: number;
  vni?: number;
  /** UDP port of a VXLAN FDB entry. */
  port?: number;
  /** NDA_IFINDEX: the device a VXLAN FDB entry sends through. */
  via?: number;
  /** NDA_MASTER: the bridge of a bridge-port FDB entry. */
  master?: number;
}

/** The ndmsg and attributes of a request; defaults follow `ip neigh` and `bridge fdb`. */
export interface NeighborSpec {
  /** Link index. */
  dev: number;
  family?: number;
  ip?: string;
  mac?: string;
  state?: number;
  flags?: number;
  vlan?: number;
  vni?: number;
  port?: number;
  via?: number;
}

export type NeighborOp = 'add' | 'replace' | 'append' | 'delete';

const OP_FLAGS: Record<NeighborOp, number> = {
  add: NLM_F.CREATE | NLM_F.EXCL,
  replace: NLM_F.CREATE | NLM_F.REPLACE,
  append: NLM_F.CREATE | NLM_F.APPEND,
  delete: 0,
};

function writeNdmsg(w: ByteWriter, family: number, index: number, state: number, flags: number): void {
  w.u8(family).u8(0).u16(0).i32(index).u16(state).u8(flags).u8(0);
}

/** RTM_NEWNEIGH/RTM_DELNEIGH for the ARP/NDP table, as `ip neigh add|replace|del` (state defaults to permanent). */
export function neighborRequest(op: NeighborOp, spec: NeighborSpec & { ip: string }): RtnlRequest {
  const ip = parseIp(spec.ip, 'neighbor.ip');
  const w = new ByteWriter();
  writeNdmsg(w, spec.family ?? ip.family, spec.dev, spec.state ?? NUD.PERMANENT, spec.flags ?? 0);
  const ae = new AttributeEncoder(w);
  ae.bytes(NDA.DST, ip.bytes);
  if (spec.mac !== undefined) ae.bytes(NDA.LLADDR, parseMac(spec.mac, 'neighbor.mac'));
  return { type: op === 'delete' ? RTM.DELNEIGH : RTM.NEWNEIGH, flags: OP_FLAGS[op], data: ae.encode(), dump: false };
}

/**
 * RTM_NEWNEIGH/RTM_DELNEIGH with family AF_BRIDGE: an FDB entry, as `bridge
 * fdb add|append|replace|del` (state defaults to NUD_NOARP|NUD_PERMANENT,
 * flags to NTF_SELF).
 */
export function fdbRequest(op: NeighborOp, spec: NeighborSpec & { mac: string }): RtnlRequest {
  const w = new ByteWriter();
  writeNdmsg(w, AF.BRIDGE, spec.dev, spec.state ?? NUD.NOARP | NUD.PERMANENT, spec.flags ?? 0x02);
  const ae = new AttributeEncoder(w);
  ae.bytes(NDA.LLADDR, parseMac(spec.mac, 'fdb.mac'));
  if (spec.ip !== undefined) ae.bytes(NDA.DST, parseIp(spec.ip, 'fdb.dst').bytes);
  if (spec.vlan !== undefined) ae.u16(NDA.VLAN, spec.vlan);
  if (spec.port !== undefined) ae.u16be(NDA.PORT, spec.port);
  if (spec.vni !== undefined) ae.u32(NDA.VNI, spec.vni);
  if (spec.via !== undefined) ae.u32(NDA.IFINDEX, spec.via);
  return { type: op === 'delete' ? RTM.DELNEIGH : RTM.NEWNEIGH, flags: OP_FLAGS[op], data: ae.encode(), dump: false };
}

/** RTM_GETNEIGH dump: family 0 (every table, FDBs included), AF_INET, AF_INET6 or AF_BRIDGE (FDB only). */
export function dumpNeighborsRequest(family: number = AF.UNSPEC): RtnlRequest {
  const w = new ByteWriter();
  writeNdmsg(w, family, 0, 0, 0);
  return { type: RTM.GETNEIGH, flags: 0, data: w.finish(), dump: true };
}

/** Parses an RTM_NEWNEIGH/RTM_DELNEIGH/RTM_GETNEIGH payload; throws NetlinkDecodeError. */
export function parseNeighbor(data: Uint8Array): Neighbor {
  if (data.length < NDMSG_LEN) throw new NetlinkDecodeError(`ndmsg needs ${NDMSG_LEN} bytes, got ${data.length}`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n: Neighbor = {
    family: v.getUint8(0),
    dev: v.getInt32(4, HOST_LE),
    state: v.getUint16(8, HOST_LE),
    flags: v.getUint8(10),
    type: v.getUint8(11),
  };
  const ad = new AttributeDecoder(data, NDMSG_LEN);
  while (ad.next()) {
    switch (ad.type()) {
      case NDA.DST:
        n.ip = formatIp(ad.bytes());
        break;
      case NDA.LLADDR:
        n.mac = formatMac(ad.bytes());
        break;
      case NDA.VLAN:
        n.vlan = ad.u16();
        break;
      case NDA.VNI:
        n.vni = ad.u32();
        break;
      case NDA.PORT:
        n.port = ad.u16be();
        break;
      case NDA.IFINDEX:
        n.via = ad.u32();
        break;
      case NDA.MASTER:
        n.master = ad.u32();
        break;
    }
  }
  const err = ad.err();
  if (err) throw err;
  return n;
}
