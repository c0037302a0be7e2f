import { AttributeDecoder, AttributeEncoder } from '../../wire/core/attributes.js';
import { ByteWriter } from '../../wire/core/byte-writer.js';
import { NetlinkEncodeError } from '../../wire/core/errors.js';
import { NLM_F } from '../../wire/core/header.js';
import { IFF, IFLA, IFLA_INFO, OPER_STATES, RTEXT_FILTER, RTM, VETH_INFO_PEER } from './constants.js';
import { IFINFOMSG_LEN, readIfInfo, writeIfInfo } from './ifinfo.js';
import { formatMac, parseMac } from './ip.js';
import type { NetnsTarget, RtnlRequest } from './request.js';
import type { VxlanInfo } from './vxlan.js';
import { decodeVxlan, encodeVxlan } from './vxlan.js';

export type OperState = (typeof OPER_STATES)[number];

/** A network interface as the kernel reports it (RTM_NEWLINK). */
export interface Link {
  index: number;
  name: string;
  /** IFLA_INFO_KIND: `veth`, `bridge`, `vxlan`...; absent for physical devices and loopback. */
  kind?: string;
  /** ARPHRD_* type (1 = ethernet, 772 = loopback). */
  type: number;
  /** IFF_* flags. */
  flags: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  operState: OperState;
  mtu: number;
  mac?: string;
  broadcast?: string;
  /** Index of the master (bridge) this link is enslaved to. */
  master?: number;
  /** IFLA_LINK: the peer of a veth, the parent of a vlan; may be in another namespace (see `linkNetnsId`). */
  parent?: number;
  /** Namespace id (as seen from this namespace) of `parent`'s namespace. */
  linkNetnsId?: number;
  txQueueLen?: number;
  alias?: string;
  /** IFLA_INFO_SLAVE_KIND: `bridge` for a bridge port. */
  slaveKind?: string;
  /** Present for links of kind `vxlan`. */
  vxlan?: VxlanInfo;
}

/** Settings shared by every created link and by {@link setLinkRequest}. */
export interface LinkSettings {
  mtu?: number;
  mac?: string;
  txQueueLen?: number;
  /** Index of the bridge to enslave to (0 releases it). */
  master?: number;
  /** Create in / move to another network namespace. */
  netns?: NetnsTarget;
  alias?: string;
}

export interface VethPeer extends Omit<LinkSettings, 'master' | 'alias'> {
  name: string;
}

/** What to create (RTM_NEWLINK with NLM_F_CREATE | NLM_F_EXCL). */
export type NewLink = LinkSettings & { name: string; up?: boolean } & (
    | { kind: 'veth'; peer: VethPeer }
    | { kind: 'bridge' }
    | { kind: 'vxlan'; vxlan: VxlanInfo }
  );

/** Identifies an existing link: by index, or by name (the kernel looks it up). */
export type LinkTarget = { index: number } | { name: string };

export interface LinkChanges extends LinkSettings {
  up?: boolean;
  /** Rename (only with a target given by index). */
  name?: string;
}

function writeSettings(ae: AttributeEncoder, s: LinkSettings): void {
  if (s.mtu !== undefined) ae.u32(IFLA.MTU, s.mtu);
  if (s.mac !== undefined) ae.bytes(IFLA.ADDRESS, parseMac(s.mac));
  if (s.txQueueLen !== undefined) ae.u32(IFLA.TXQLEN, s.txQueueLen);
  if (s.master !== undefined) ae.u32(IFLA.MASTER, s.master);
  if (s.netns !== undefined) {
    if ('pid' in s.netns) ae.u32(IFLA.NET_NS_PID, s.netns.pid);
    else ae.u32(IFLA.NET_NS_FD, s.netns.fd);
  }
  if (s.alias !== undefined) ae.string(IFLA.IFALIAS, s.alias);
}

function writeLinkInfo(ae: AttributeEncoder, link: NewLink): void {
  ae.nested(IFLA.LINKINFO, (info) => {
    info.string(IFLA_INFO.KIND, link.kind, false); // unterminated, as iproute2 sends it
    if (link.kind === 'veth') {
      info.nested(IFLA_INFO.DATA, (data) =>
        data.nested(VETH_INFO_PEER, (peer) => {
          writeIfInfo(peer.writer);
          writeSettings(peer, link.peer);
          peer.string(IFLA.IFNAME, link.peer.name);
        }),
      );
    } else if (link.kind === 'vxlan') {
      const v = link.vxlan;
      info.nested(IFLA_INFO.DATA, (data) => encodeVxlan(data, v));
    }
  });
}

function checkName(name: string): void {
  // IFNAMSIZ is 16 bytes including the NUL.
  if (name.length === 0 || new TextEncoder().encode(name).length > 15 || /[\s/:]/.test(name)) {
    throw new NetlinkEncodeError('name', `not a valid interface name: ${JSON.stringify(name)}`);
  }
}

/** RTM_NEWLINK creating a veth pair, bridge or vxlan (the attribute order of `ip link add`). */
export function newLinkRequest(link: NewLink): RtnlRequest {
  checkName(link.name);
  if (link.kind === 'veth') checkName(link.peer.name);
  const w = new ByteWriter();
  writeIfInfo(w, link.up ? { flags: IFF.UP, change: IFF.UP } : {});
  const ae = new AttributeEncoder(w);
  writeSettings(ae, link);
  ae.string(IFLA.IFNAME, link.name);
  writeLinkInfo(ae, link);
  return { type: RTM.NEWLINK, flags: NLM_F.CREATE | NLM_F.EXCL, data: ae.encode(), dump: false };
}

function targetHeader(w: ByteWriter, t: LinkTarget, extra: { flags?: number; change?: number } = {}): void {
  writeIfInfo(w, { index: 'index' in t ? t.index : 0, ...extra });
}

/** RTM_NEWLINK (no create) changing an existing link, as `ip link set`. */
export function setLinkRequest(target: LinkTarget, changes: LinkChanges): RtnlRequest {
  const w = new ByteWriter();
  const updown = changes.up === undefined ? {} : { flags: changes.up ? IFF.UP : 0, change: IFF.UP };
  targetHeader(w, target, updown);
  const ae = new AttributeEncoder(w);
  writeSettings(ae, changes);
  if ('name' in target) {
    if (changes.name !== undefined) throw new NetlinkEncodeError('name', 'renaming needs a link given by index');
    ae.string(IFLA.IFNAME, target.name);
  } else if (changes.name !== undefined) {
    checkName(changes.name);
    ae.string(IFLA.IFNAME, changes.name);
  }
  return { type: RTM.NEWLINK, flags: 0, data: ae.encode(), dump: false };
}

export function deleteLinkRequest(target: LinkTarget): RtnlRequest {
  const w = new ByteWriter();
  targetHeader(w, target);
  const ae = new AttributeEncoder(w);
  if ('name' in target) ae.string(IFLA.IFNAME, target.name);
  return { type: RTM.DELLINK, flags: 0, data: ae.encode(), dump: false };
}

/** RTM_GETLINK for one link (statistics skipped). */
export function getLinkRequest(target: LinkTarget): RtnlRequest {
  const w = new ByteWriter();
  targetHeader(w, target);
  const ae = new AttributeEncoder(w);
  ae.u32(IFLA.EXT_MASK, RTEXT_FILTER.SKIP_STATS);
  if ('name' in target) ae.string(IFLA.IFNAME, target.name);
  return { type: RTM.GETLINK, flags: 0, data: ae.encode(), dump: false };
}

/** RTM_GETLINK dump of every link (statistics skipped). */
export function dumpLinksRequest(): RtnlRequest {
  const w = new ByteWriter();
  writeIfInfo(w);
  const ae = new AttributeEncoder(w);
  ae.u32(IFLA.EXT_MASK, RTEXT_FILTER.SKIP_STATS);
  return { type: RTM.GETLINK, flags: 0, data: ae.encode(), dump: true };
}

function decodeLinkInfo(ad: AttributeDecoder, link: Link): void {
  ad.nested((info) => {
    while (info.next()) {
      switch (info.type()) {
        case IFLA_INFO.KIND:
          link.kind = info.string();
          break;
        case IFLA_INFO.SLAVE_KIND:
          link.slaveKind = info.string();
          break;
        case IFLA_INFO.DATA:
          if (link.kind === 'vxlan') info.nested((d) => (link.vxlan = decodeVxlan(d)));
          break;
      }
    }
  });
}

/** Parses the payload of an RTM_NEWLINK/RTM_DELLINK message; throws NetlinkDecodeError. */
export function parseLink(data: Uint8Array): Link {
  const h = readIfInfo(data);
  const link: Link = {
    index: h.index,
    name: '',
    type: h.type,
    flags: h.flags,
    up: (h.flags & IFF.UP) !== 0,
    operState: 'unknown',
    mtu: 0,
  };
  const ad = new AttributeDecoder(data, IFINFOMSG_LEN);
  while (ad.next()) {
    switch (ad.type()) {
      case IFLA.IFNAME:
        link.name = ad.string();
        break;
      case IFLA.MTU:
        link.mtu = ad.u32();
        break;
      case IFLA.ADDRESS:
        link.mac = formatMac(ad.bytes());
        break;
      case IFLA.BROADCAST:
        link.broadcast = formatMac(ad.bytes());
        break;
      case IFLA.MASTER:
        link.master = ad.u32();
        break;
      case IFLA.LINK:
        link.parent = ad.u32();
        break;
      case IFLA.LINK_NETNSID:
        link.linkNetnsId = ad.i32();
        break;
      case IFLA.TXQLEN:
        link.txQueueLen = ad.u32();
        break;
      case IFLA.IFALIAS:
        link.alias = ad.string();
        break;
      case IFLA.OPERSTATE:
        link.operState = OPER_STATES[ad.u8()] ?? 'unknown';
        break;
      case IFLA.LINKINFO:
        decodeLinkInfo(ad, link);
        break;
    }
  }
  const err = ad.err();
  if (err) throw err;
  return link;
}
