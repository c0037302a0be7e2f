// High-level API
export { Netlink } from './netlink.js';
export type {
  LinkRef,
  NetnsRef,
  NetlinkOptions,
  LinkSettings,
  VethPeerSpec,
  VxlanSpec,
  CreateLink,
  SetLink,
  AddressOptions,
  RouteOptions,
  NeighborOptions,
  FdbOptions,
  FdbEntry,
} from './types.js';
export { NetlinkSubscription } from './events.js';
export type { SubscribeOptions } from './events.js';

// Connection and sockets
export { NetlinkConnection, NetlinkDumpInterruptedError, NetlinkClosedError } from './conn.js';
export type { NetlinkSocket, NetlinkSocketHandler, NetlinkSocketOptions, NetlinkSocketFactory, NetlinkReceiveBuffer } from './socket.js';
export { hasReceiveBuffer } from './socket.js';
export { NativeNetlinkSocket, nativeSocketFactory, loadNetlinkAddon, NetlinkAddonError } from './node-socket.js';

// Errors
export { NetlinkError, NetlinkDecodeError, NetlinkEncodeError, isNetlinkErrno } from './wire/core/errors.js';
export type { ExtendedAck, NetlinkErrorDetail } from './wire/core/errors.js';
export { Errno, errnoName, ERRNO_NAMES } from './wire/core/errno.js';

// Wire codecs
export { align, NL_ALIGNTO } from './wire/core/align.js';
export { HOST_LE } from './wire/core/endian.js';
export { ByteWriter } from './wire/core/byte-writer.js';
export { AttributeEncoder, AttributeDecoder, NLA_HDRLEN, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK } from './wire/core/attributes.js';
export { NLM_F, NLMSG, NLMSG_HDRLEN, MessageDecoder, encodeMessage, encodeMessages, decodeMessages, writeMessage } from './wire/core/header.js';
export type { NetlinkHeader, NetlinkMessage, OutgoingMessage } from './wire/core/header.js';
export { decodeErrorMessage, decodeDoneMessage, NLMSGERR_ATTR } from './wire/core/ack.js';
export type { AckMessage } from './wire/core/ack.js';

// rtnetlink messages
export {
  NETLINK_ROUTE,
  SOL_NETLINK,
  NETLINK_OPT,
  RTM,
  AF,
  RTNLGRP,
  IFF,
  IFLA,
  IFLA_INFO,
  IFLA_VXLAN,
  IFLA_BR,
  VETH_INFO_PEER,
  RTEXT_FILTER,
  OPER_STATES,
  IFA,
  IFA_F,
  RTA,
  RT_TABLE,
  RTPROT,
  RT_SCOPE,
  RTN,
  RTNH_F,
  NDA,
  NUD,
  NTF,
} from './rtnl/core/constants.js';
export type { RtnlRequest, NetnsTarget } from './rtnl/core/request.js';
export { IFINFOMSG_LEN, readIfInfo, writeIfInfo } from './rtnl/core/ifinfo.js';
export type { IfInfoMsg } from './rtnl/core/ifinfo.js';
export { newLinkRequest, setLinkRequest, deleteLinkRequest, getLinkRequest, dumpLinksRequest, parseLink } from './rtnl/core/link.js';
export type { Link, OperState, NewLink, VethPeer, LinkTarget, LinkChanges } from './rtnl/core/link.js';
export { encodeVxlan, decodeVxlan } from './rtnl/core/vxlan.js';
export type { VxlanInfo } from './rtnl/core/vxlan.js';
export { addAddressRequest, deleteAddressRequest, dumpAddressesRequest, parseAddress, IFADDRMSG_LEN } from './rtnl/core/address.js';
export type { Address, AddressSpec } from './rtnl/core/address.js';
export { addRouteRequest, deleteRouteRequest, dumpRoutesRequest, parseRoute, RTMSG_LEN } from './rtnl/core/route.js';
export type { Route, RouteSpec } from './rtnl/core/route.js';
export { neighborRequest, fdbRequest, dumpNeighborsRequest, parseNeighbor, NDMSG_LEN } from './rtnl/core/neighbor.js';
export type { Neighbor, NeighborSpec, NeighborOp } from './rtnl/core/neighbor.js';
export { NEIGHBOR_STATES, FDB_STATES, neighborStateNames, fdbFlags } from './rtnl/core/state.js';
export type { NeighborStateName, FdbStateName } from './rtnl/core/state.js';
export { parseEvent, EVENT_GROUPS } from './rtnl/core/event.js';
export type { EventKind, NetlinkEvent } from './rtnl/core/event.js';
export { parseIp, parseCidr, formatIp, parseMac, formatMac, ipFamily } from './rtnl/core/ip.js';
export type { IpBytes, Cidr } from './rtnl/core/ip.js';
