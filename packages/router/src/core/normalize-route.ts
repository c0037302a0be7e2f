/**
 * Shape checks and defaults for one route on its own (the table checks
 * routes against each other). Mirrors the original controller's rules
 * (reference §7.3 and its `check_http_route_update` trigger): path defaults to
 * `/`, gets a trailing `/`, must then start with `/`; TCP routes may not use
 * ports 80 or 443.
 */
import { RouteValidationError } from './errors.js';
import { normalizeDomain } from './host.js';
import type { HttpRoute, Route, TcpRoute } from './types.js';

/** Ports a TCP route may never take (the HTTP/HTTPS defaults). */
export const RESERVED_TCP_PORTS: readonly number[] = [80, 443];

const BOOL_FIELDS = ['leader', 'sticky', 'drain_backends', 'disable_keep_alives'] as const;

/**
 * Returns a normalised copy of `input` (lower-cased domain, `port` and `path`
 * filled in) or throws {@link RouteValidationError}. Accepts `unknown` so
 * routes read from JSON files and streams go through the same gate.
 */
export function normalizeRoute(input: unknown): Route {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new RouteValidationError('route', 'route must be an object');
  const r = input as Record<string, unknown>;
  if (r.type === 'http') return normalizeHttp(r);
  if (r.type === 'tcp') return normalizeTcp(r);
  throw new RouteValidationError('type', `route type must be "http" or "tcp", got ${JSON.stringify(r.type)}`);
}

function normalizeHttp(r: Record<string, unknown>): HttpRoute {
  const common = commonFields(r);
  if (typeof r.domain !== 'string' || r.domain === '') throw new RouteValidationError('domain', 'domain must be a non-empty string');
  const d = normalizeDomain(r.domain);
  if ('error' in d) throw new RouteValidationError('domain', d.error);
  const port = r.port === undefined ? 0 : portField(r.port, true);
  const out: HttpRoute = { type: 'http', ...common, domain: d.domain, port, path: normalizePath(r.path) };
  for (const f of BOOL_FIELDS) {
    const v = r[f];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new RouteValidationError(f, `${f} must be a boolean`);
    out[f] = v;
  }
  if (r.certificate !== undefined && r.certificate !== null) out.certificate = certificateField(r.certificate);
  return out;
}

function normalizeTcp(r: Record<string, unknown>): TcpRoute {
  const common = commonFields(r);
  const port = portField(r.port, false);
  if (RESERVED_TCP_PORTS.includes(port)) throw new RouteValidationError('port', `TCP routes may not use port ${port}`);
  const out: TcpRoute = { type: 'tcp', ...common, port };
  for (const f of ['leader', 'drain_backends'] as const) {
    const v = r[f];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new RouteValidationError(f, `${f} must be a boolean`);
    out[f] = v;
  }
  return out;
}

function commonFields(r: Record<string, unknown>): { id: string; service: string; parent_ref?: string; created_at?: string; updated_at?: string } {
  if (typeof r.id !== 'string' || r.id === '') throw new RouteValidationError('id', 'id must be a non-empty string');
  if (typeof r.service !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(r.service)) {
    throw new RouteValidationError('service', 'service must be lowercase alphanumeric plus dash');
  }
  const out: { id: string; service: string; parent_ref?: string; created_at?: string; updated_at?: string } = { id: r.id, service: r.service };
  for (const f of ['parent_ref', 'created_at', 'updated_at'] as const) {
    const v = r[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new RouteValidationError(f, `${f} must be a string`);
    out[f] = v;
  }
  return out;
}

function portField(v: unknown, allowZero: boolean): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (allowZero ? 0 : 1) || v > 65535) {
    throw new RouteValidationError('port', `port must be an integer in ${allowZero ? 0 : 1}..65535`);
  }
  return v;
}

/** `''`/undefined → `/`; `/a` → `/a/`; must start with `/` and hold no `?`, `#`, spaces or control characters. */
export function normalizePath(v: unknown): string {
  if (v === undefined || v === null || v === '') return '/';
  if (typeof v !== 'string') throw new RouteValidationError('path', 'path must be a string');
  const path = v.endsWith('/') ? v : `${v}/`;
  if (!path.startsWith('/') || !pathCharsOk(path)) throw new RouteValidationError('path', `path ${JSON.stringify(v)} is not valid`);
  return path;
}

/** No `?`, `#`, whitespace or control characters. */
function pathCharsOk(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3f || c === 0x23) return false;
  }
  return true;
}

function certificateField(v: unknown): NonNullable<HttpRoute['certificate']> {
  if (typeof v !== 'object' || v === null) throw new RouteValidationError('certificate', 'certificate must be an object');
  const c = v as Record<string, unknown>;
  if (typeof c.cert !== 'string' || !c.cert.includes('-----BEGIN')) throw new RouteValidationError('certificate.cert', 'certificate.cert must be a PEM certificate');
  if (typeof c.key !== 'string' || !c.key.includes('-----BEGIN')) throw new RouteValidationError('certificate.key', 'certificate.key must be a PEM private key');
  const out: NonNullable<HttpRoute['certificate']> = { cert: c.cert, key: c.key };
  if (typeof c.id === 'string') out.id = c.id;
  if (Array.isArray(c.routes) && c.routes.every((x) => typeof x === 'string')) out.routes = c.routes as string[];
  return out;
}
