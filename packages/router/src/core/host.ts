/**
 * Host normalisation for route lookup (reference §7.3): lower-cased, port
 * stripped, a trailing dot dropped. Runs on every request, so it is one pass
 * over the characters and allocates only when the host must change.
 */

const enum C {
  Bad = 0,
  Ok = 1,
  Upper = 2,
}

/** Characters allowed in a host name: letters, digits, `-`, `.`, `_`. */
const HOST_CHARS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0x61; c <= 0x7a; c++) t[c] = C.Ok;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = C.Upper;
  for (let c = 0x30; c <= 0x39; c++) t[c] = C.Ok;
  t[0x2d] = C.Ok; // -
  t[0x2e] = C.Ok; // .
  t[0x5f] = C.Ok; // _
  return t;
})();

const MAX_HOST_LENGTH = 255;

/**
 * The routing key of a `Host` header value (or an absolute-form authority):
 * `Example.COM:8080` → `example.com`, `[::1]:80` → `[::1]`. Returns
 * `undefined` for anything that is not a valid host (→ 400): empty labels,
 * characters outside letters/digits/`-`/`.`/`_`, a non-numeric port.
 */
export function normalizeHost(raw: string): string | undefined {
  const len = raw.length;
  if (len === 0 || len > MAX_HOST_LENGTH + 6) return undefined;
  if (raw.charCodeAt(0) === 0x5b /* [ */) return normalizeIpv6(raw);
  let end = len;
  let upper = false;
  for (let i = 0; i < len; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x3a /* : */) {
      if (!isPort(raw, i + 1)) return undefined;
      end = i;
      break;
    }
    const k = c < 128 ? HOST_CHARS[c]! : C.Bad;
    if (k === C.Bad) return undefined;
    if (k === C.Upper) upper = true;
  }
  if (end === 0) return undefined;
  // A trailing dot (the FQDN form) names the same host.
  if (raw.charCodeAt(end - 1) === 0x2e) {
    end--;
    if (end === 0) return undefined;
  }
  if (end > MAX_HOST_LENGTH || !labelsOk(raw, end)) return undefined;
  let host = end === len ? raw : raw.slice(0, end);
  if (upper) host = host.toLowerCase();
  return host;
}

/** No empty labels (`a..b`, leading dot). */
function labelsOk(s: string, end: number): boolean {
  let prevDot = true;
  for (let i = 0; i < end; i++) {
    const dot = s.charCodeAt(i) === 0x2e;
    if (dot && prevDot) return false;
    prevDot = dot;
  }
  return true;
}

function isPort(s: string, from: number): boolean {
  const n = s.length - from;
  if (n < 1 || n > 5) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function normalizeIpv6(raw: string): string | undefined {
  const close = raw.indexOf(']');
  if (close < 3) return undefined;
  for (let i = 1; i < close; i++) {
    const c = raw.charCodeAt(i);
    const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
    if (!hex && c !== 0x3a && c !== 0x2e) return undefined;
  }
  if (close + 1 < raw.length) {
    if (raw.charCodeAt(close + 1) !== 0x3a || !isPort(raw, close + 2)) return undefined;
  }
  return raw.slice(0, close + 1).toLowerCase();
}

/**
 * Validates and lower-cases a route's `domain`: a host name, `*.` + a host
 * name (wildcard), or `*` (catch-all). Returns an error message or the
 * normalised domain.
 */
export function normalizeDomain(domain: string): { domain: string } | { error: string } {
  if (domain === '*') return { domain };
  const wildcard = domain.startsWith('*.');
  const name = wildcard ? domain.slice(2) : domain;
  if (name.includes(':')) return { error: `domain must not carry a port: ${JSON.stringify(domain)}` };
  const host = normalizeHost(name);
  if (host === undefined || host.startsWith('[')) return { error: `invalid domain ${JSON.stringify(domain)}` };
  return { domain: wildcard ? `*.${host}` : host };
}
