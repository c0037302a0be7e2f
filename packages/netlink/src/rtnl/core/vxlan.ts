import type { AttributeDecoder, AttributeEncoder } from '../../wire/core/attributes.js';
import { NetlinkEncodeError } from '../../wire/core/errors.js';
import { IFLA_VXLAN } from './constants.js';
import { formatIp, parseIp } from './ip.js';

/** A VXLAN device's settings (IFLA_INFO_DATA of kind `vxlan`). */
export interface VxlanInfo {
  /** VXLAN network identifier, 0..2^24-1. */
  vni: number;
  /** Multicast group or remote VTEP (IPv4 or IPv6). */
  group?: string;
  /** Source address of the tunnel (our VTEP). */
  local?: string;
  /** UDP destination port (4789 is IANA's; the kernel default is 8472). */
  port?: number;
  /** Learn remote MACs from received packets (the kernel default is on). */
  learning?: boolean;
  /** Index of the underlying device (IFLA_VXLAN_LINK). */
  dev?: number;
  ttl?: number;
  tos?: number;
  /** Notify user space (RTM_GETNEIGH) on FDB misses. */
  l2miss?: boolean;
  /** Notify user space (RTM_GETNEIGH) on neighbour (ARP/ND) misses. */
  l3miss?: boolean;
  /** Answer ARP/ND from the neighbour table. */
  proxy?: boolean;
  /** FDB entry lifetime in seconds. */
  ageing?: number;
}

function ip(ae: AttributeEncoder, v4: number, v6: number, field: string, text: string): void {
  const a = parseIp(text, field);
  ae.bytes(a.bytes.length === 4 ? v4 : v6, a.bytes);
}

/**
 * Appends the IFLA_VXLAN_* attributes. Order follows iproute2 6.1 (options it
 * adds while parsing first, then id, group, local, learning, port), so
 * requests match `ip link add ... type vxlan` byte for byte.
 */
export function encodeVxlan(ae: AttributeEncoder, v: VxlanInfo): void {
  if (!Number.isInteger(v.vni) || v.vni < 0 || v.vni > 0xffffff) throw new NetlinkEncodeError('vxlan.vni', `${v.vni} is not in 0..16777215`);
  if (v.dev !== undefined) ae.u32(IFLA_VXLAN.LINK, v.dev);
  if (v.ttl !== undefined) ae.u8(IFLA_VXLAN.TTL, v.ttl);
  if (v.tos !== undefined) ae.u8(IFLA_VXLAN.TOS, v.tos);
  if (v.l2miss !== undefined) ae.u8(IFLA_VXLAN.L2MISS, v.l2miss ? 1 : 0);
  if (v.l3miss !== undefined) ae.u8(IFLA_VXLAN.L3MISS, v.l3miss ? 1 : 0);
  if (v.proxy !== undefined) ae.u8(IFLA_VXLAN.PROXY, v.proxy ? 1 : 0);
  if (v.ageing !== undefined) ae.u32(IFLA_VXLAN.AGEING, v.ageing);
  ae.u32(IFLA_VXLAN.ID, v.vni);
  if (v.group !== undefined) ip(ae, IFLA_VXLAN.GROUP, IFLA_VXLAN.GROUP6, 'vxlan.group', v.group);
  if (v.local !== undefined) ip(ae, IFLA_VXLAN.LOCAL, IFLA_VXLAN.LOCAL6, 'vxlan.local', v.local);
  if (v.learning !== undefined) ae.u8(IFLA_VXLAN.LEARNING, v.learning ? 1 : 0);
  if (v.port !== undefined) ae.u16be(IFLA_VXLAN.PORT, v.port);
}

/** Reads IFLA_VXLAN_* attributes (the decoder of IFLA_INFO_DATA). */
export function decodeVxlan(ad: AttributeDecoder): VxlanInfo {
  const v: VxlanInfo = { vni: 0 };
  while (ad.next()) {
    switch (ad.type()) {
      case IFLA_VXLAN.ID:
        v.vni = ad.u32();
        break;
      case IFLA_VXLAN.GROUP:
      case IFLA_VXLAN.GROUP6:
        v.group = formatIp(ad.bytes());
        break;
      case IFLA_VXLAN.LOCAL:
      case IFLA_VXLAN.LOCAL6:
        v.local = formatIp(ad.bytes());
        break;
      case IFLA_VXLAN.LINK:
        v.dev = ad.u32();
        break;
      case IFLA_VXLAN.PORT:
        v.port = ad.u16be();
        break;
      case IFLA_VXLAN.LEARNING:
        v.learning = ad.u8() !== 0;
        break;
      case IFLA_VXLAN.TTL:
        v.ttl = ad.u8();
        break;
      case IFLA_VXLAN.TOS:
        v.tos = ad.u8();
        break;
      case IFLA_VXLAN.L2MISS:
        v.l2miss = ad.u8() !== 0;
        break;
      case IFLA_VXLAN.L3MISS:
        v.l3miss = ad.u8() !== 0;
        break;
      case IFLA_VXLAN.PROXY:
        v.proxy = ad.u8() !== 0;
        break;
      case IFLA_VXLAN.AGEING:
        v.ageing = ad.u32();
        break;
    }
  }
  return v;
}
