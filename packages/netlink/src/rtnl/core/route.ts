import { AttributeDecoder, AttributeEncoder } from '../../wire/core/attributes.js';
import { ByteWriter } from '../../wire/core/byte-writer.js';
import { HOST_LE } from '../../wire/core/endian.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../../wire/core/errors.js';
import { NLM_F } from '../../wire/core/header.js';
import { AF, RTA, RT_SCOPE, RT_TABLE, RTM, RTN, RTNH_F, RTPROT } from './constants.js';
import { formatIp, parseCidr, parseIp } from './ip.js';
import type { RtnlRequest } from './request.js';

/** struct rtmsg: u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags. */
export const RTMSG_LEN = 12;

/** A route (RTM_NEWROUTE). */
export interface Route {
  family: 4 | 6;
  /** `10.0.0.0/24`, or `default`. */
  dst: string;
  /** Next hop (RTA_GATEWAY). */
  via?: string;
  /** Output link index (RTA_OIF). */
  dev?: number;
  table: number;
  /** RTPROT_* (2 kernel, 3 boot, 4 static). */
  protocol: number;
  /** RT_SCOPE_* (0 universe, 253 link, 254 host). */
  scope: number;
  /** RTN_* (1 unicast, 2 local, 3 broadcast, 6 blackhole...). */
  type: number;
  /** rtm_flags (RTNH_F_*, RTM_F_*). */
  flags: number;
  /** The `via` is reachable on `dev` without a matching route (RTNH_F_ONLINK). */
  onlink: boolean;
  /** RTA_PRIORITY. */
  metric?: number;
  /** Preferred source address (RTA_PREFSRC). */
  prefsrc?: string;
}

export interface RouteSpec {
  /** `10.0.0.0/24`, `fd01::/64` or `default` (then `family` or `via` gives the family). */
  dst: string;
  /** Next hop (RTA_GATEWAY). */
  via?: string;
  /** Output link index (RTA_OIF). */
  dev?: number;
  /** Routing table; default main (254). */
  table?: number;
  onlink?: boolean;
  metric?: number;
  prefsrc?: string;
  /** Default: boot (3) for add/replace, as `ip route`. */
  protocol?: number;
  /** Default: link (253) for a route without `via`, else universe. */
  scope?: number;
  /** RTN_*; default unicast. */
  type?: number;
  family?: 4 | 6;
}

function familyOf(spec: RouteSpec): number {
  if (spec.dst !== 'default') return parseCidr(spec.dst, 'route.dst').family;
  if (spec.via !== undefined) return parseIp(spec.via, 'route.via').family;
  return spec.family === 6 ? AF.INET6 : AF.INET;
}

function routeMessage(type: number, flags: number, spec: RouteSpec, del: boolean): RtnlRequest {
  const family = familyOf(spec);
  const dst = spec.dst === 'default' ? undefined : parseCidr(spec.dst, 'route.dst');
  const gw = spec.via === undefined ? undefined : parseIp(spec.via, 'route.via');
  if ((dst && dst.family !== family) || (gw && gw.family !== family)) throw new NetlinkEncodeError('route', 'dst and via families differ');
  const table = spec.table ?? RT_TABLE.MAIN;
  const scope = spec.scope ?? (del ? RT_SCOPE.NOWHERE : gw ? RT_SCOPE.UNIVERSE : RT_SCOPE.LINK);
  const w = new ByteWriter();
  w.u8(family).u8(dst?.prefix ?? 0).u8(0).u8(0);
  w.u8(table < 256 ? table : RT_TABLE.UNSPEC);
  w.u8(spec.protocol ?? (del ? RTPROT.UNSPEC : RTPROT.BOOT));
  w.u8(scope).u8(spec.type ?? (del ? RTN.UNSPEC : RTN.UNICAST));
  w.u32(spec.onlink ? RTNH_F.ONLINK : 0);
  const ae = new AttributeEncoder(w);
  if (dst) ae.bytes(RTA.DST, dst.bytes);
  if (gw) ae.bytes(RTA.GATEWAY, gw.bytes);
  if (spec.prefsrc !== undefined) ae.bytes(RTA.PREFSRC, parseIp(spec.prefsrc, 'route.prefsrc').bytes);
  if (spec.metric !== undefined) ae.u32(RTA.PRIORITY, spec.metric);
  if (table >= 256) ae.u32(RTA.TABLE, table);
  if (spec.dev !== undefined) ae.u32(RTA.OIF, spec.dev);
  return { type, flags, data: ae.encode(), dump: false };
}

/** RTM_NEWROUTE as `ip route add` (`replace`: as `ip route replace`). */
export function addRouteRequest(spec: RouteSpec, options: { replace?: boolean } = {}): RtnlRequest {
  return routeMessage(RTM.NEWROUTE, NLM_F.CREATE | (options.replace ? NLM_F.REPLACE : NLM_F.EXCL), spec, false);
}

/** RTM_DELROUTE as `ip route del`. */
export function deleteRouteRequest(spec: RouteSpec): RtnlRequest {
  return routeMessage(RTM.DELROUTE, 0, spec, true);
}

/** RTM_GETROUTE dump; `family` 0 for both. */
export function dumpRoutesRequest(family: number = AF.UNSPEC): RtnlRequest {
  const w = new ByteWriter();
  w.u8(family).zeros(RTMSG_LEN - 1);
  return { type: RTM.GETROUTE, flags: 0, data: w.finish(), dump: true };
}

/** Parses an RTM_NEWROUTE/RTM_DELROUTE payload; throws NetlinkDecodeError. */
export function parseRoute(data: Uint8Array): Route {
  if (data.length < RTMSG_LEN) throw new NetlinkDecodeError(`rtmsg needs ${RTMSG_LEN} bytes, got ${data.length}`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const dstLen = v.getUint8(1);
  const flags = v.getUint32(8, HOST_LE);
  const route: Route = {
    family: v.getUint8(0) === AF.INET6 ? 6 : 4,
    dst: 'default',
    table: v.getUint8(4),
    protocol: v.getUint8(5),
    scope: v.getUint8(6),
    type: v.getUint8(7),
    flags,
    onlink: (flags & RTNH_F.ONLINK) !== 0,
  };
  const ad = new AttributeDecoder(data, RTMSG_LEN);
  while (ad.next()) {
    switch (ad.type()) {
      case RTA.DST:
        route.dst = `${formatIp(ad.bytes())}/${dstLen}`;
        break;
      case RTA.GATEWAY:
        route.via = formatIp(ad.bytes());
        break;
      case RTA.OIF:
        route.dev = ad.u32();
        break;
      case RTA.TABLE:
        route.table = ad.u32();
        break;
      case RTA.PRIORITY:
        route.metric = ad.u32();
        break;
      case RTA.PREFSRC:
        route.prefsrc = formatIp(ad.bytes());
        break;
    }
  }
  const err = ad.err();
  if (err) throw err;
  return route;
}
