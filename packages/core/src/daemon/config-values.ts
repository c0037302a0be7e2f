/**
 * The small value parsers every daemon's `config.ts` needs. Each returns
 * `undefined` for bad input, so the daemon throws its own `ConfigError` in
 * its own words (the flag or variable it came from).
 */
import type { LogLevel } from '../logger.js';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** `debug`, `info`, `warn` or `error`. */
export function parseLogLevel(text: string): LogLevel | undefined {
  return (LOG_LEVELS as readonly string[]).includes(text) ? (text as LogLevel) : undefined;
}

/** A comma-separated list: items trimmed, empty ones dropped (`undefined` → `[]`). */
export function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A listen address: `host:port`, `[v6]:port`, or `:port` (then `defaultHost`); port 0-65535. */
export function parseHostPort(text: string, defaultHost = '0.0.0.0'): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[3]) > 65535) return undefined;
  return { host: m[1] ?? (m[2] || defaultHost), port: Number(m[3]) };
}

/** Decimal digits only (no sign, no exponent) within `min..max`. */
export function parseIntInRange(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** A base URL: `http://` is added when no scheme is given, trailing slashes are dropped; not http(s) or unparsable → undefined. */
export function parseBaseUrl(text: string): string | undefined {
  const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  if (!/^https?:\/\//i.test(full)) return undefined;
  try {
    new URL(full);
  } catch {
    return undefined;
  }
  return full.replace(/\/+$/, '');
}

/** True for the addresses that mean "all interfaces" (and the empty host). */
export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}
