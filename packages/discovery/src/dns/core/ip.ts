/**
 * IP literal and `host:port` parsing without `node:net`, for the pure core.
 * Like Go's `net.ParseIP(...).To4()`, an IPv4-mapped IPv6 address
 * (`::ffff:10.0.0.1`) counts as IPv4.
 */

/** 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6, undefined if `text` is not an IP literal. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.includes(':')) {
    const v6 = parseIpv6(text);
    if (v6 === undefined) return undefined;
    const mapped = v6.subarray(0, 12).every((b, i) => (i < 10 ? b === 0 : b === 0xff));
    return mapped ? v6.slice(12) : v6;
  }
  return parseIpv4(text);
}

export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

export function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups: number[] = [];
  const parseGroups = (list: string[], last: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!;
      if (last && i === list.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return false;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      groups.push(parseInt(g, 16));
    }
    return true;
  };
  const compressed = halves.length === 2;
  if (!parseGroups(head, !compressed)) return undefined;
  const headCount = groups.length;
  if (!parseGroups(tail, true)) return undefined;
  const tailCount = groups.length - headCount;
  if (compressed ? groups.length > 7 : groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  const put = (g: number, at: number) => {
    out[at * 2] = g >>> 8;
    out[at * 2 + 1] = g & 0xff;
  };
  for (let i = 0; i < headCount; i++) put(groups[i]!, i);
  for (let i = 0; i < tailCount; i++) put(groups[headCount + i]!, 8 - tailCount + i);
  return out;
}

/** Canonical text of 4 or 16 address bytes (IPv6: RFC 5952 lowercase with `::`). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

/** Splits `host:port` or `[v6]:port`; undefined when there is no port or the host is ambiguous. */
export function splitHostPort(addr: string): { host: string; port: number } | undefined {
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0 || addr[close + 1] !== ':') return undefined;
    host = addr.slice(1, close);
    portText = addr.slice(close + 2);
  } else {
    const colon = addr.lastIndexOf(':');
    if (colon < 0 || addr.indexOf(':') !== colon) return undefined;
    host = addr.slice(0, colon);
    portText = addr.slice(colon + 1);
  }
  if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  return { host, port };
}
