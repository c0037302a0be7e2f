/**
 * PROXY protocol v1 (HAProxy, text form) header decoder: the line a load
 * balancer in front of the router sends first, carrying the real client
 * address. `PROXY TCP4|TCP6 <src> <dst> <srcport> <dstport>\r\n` or
 * `PROXY UNKNOWN...\r\n`, at most 107 bytes.
 */

export const PROXY_V1_MAX = 107;

export type ProxyHeader =
  | { kind: 'need-more' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; length: number; source?: { ip: string; port: number }; destination?: { ip: string; port: number } };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;

/** Decodes a v1 header at the start of `bytes`. */
export function parseProxyV1(bytes: Uint8Array): ProxyHeader {
  const prefix = 'PROXY ';
  const n = Math.min(bytes.length, PROXY_V1_MAX);
  for (let i = 0; i < Math.min(n, prefix.length); i++) {
    if (bytes[i] !== prefix.charCodeAt(i)) return { kind: 'invalid', reason: 'not a PROXY protocol header' };
  }
  let end = -1;
  for (let i = 0; i + 1 < n; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) {
      end = i;
      break;
    }
  }
  if (end === -1) return bytes.length >= PROXY_V1_MAX ? { kind: 'invalid', reason: 'PROXY header too long' } : { kind: 'need-more' };
  let line = '';
  for (let i = 0; i < end; i++) line += String.fromCharCode(bytes[i]!);
  const parts = line.split(' ');
  const length = end + 2;
  if (parts[1] === 'UNKNOWN') return { kind: 'ok', length };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) return { kind: 'invalid', reason: 'malformed PROXY header' };
  const [, family, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const ipOk = family === 'TCP4' ? (ip: string) => IPV4.test(ip) : (ip: string) => IPV6.test(ip) && ip.includes(':');
  const port = (p: string) => (/^\d{1,5}$/.test(p) && Number(p) <= 65535 ? Number(p) : -1);
  const sp = port(sport);
  const dp = port(dport);
  if (!ipOk(src) || !ipOk(dst) || sp < 0 || dp < 0) return { kind: 'invalid', reason: 'malformed PROXY header' };
  return { kind: 'ok', length, source: { ip: src, port: sp }, destination: { ip: dst, port: dp } };
}
