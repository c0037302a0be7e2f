/**
 * Route request bodies (reference §7.3; schema `router/route`): parsing and
 * the rules the controller applies before the database triggers do theirs
 * (paths normalised to a trailing slash, lower-case domains, TCP never on the
 * HTTP ports). Certificates are only checked for shape here; the API checks
 * the PEM and key pair with node:crypto.
 */
import { serviceNameProblem } from '@flynn-ts/discovery';
import { conflict, validationError } from '../errors.js';
import type { JsonObject } from './validate.js';
import { asObject, bool, int, rejectUnknown, str } from './validate.js';

export interface CertificateInput {
  cert: string;
  key: string;
}

export interface HttpRouteInput {
  type: 'http';
  service: string;
  domain: string;
  port: number;
  path: string;
  leader: boolean;
  sticky: boolean;
  /** Absent: as the service's other routes, else true. */
  drainBackends?: boolean;
  disableKeepAlives: boolean;
  certificate?: CertificateInput;
}

export interface TcpRouteInput {
  type: 'tcp';
  service: string;
  /** 0 = pick the first free port in 3000–3500. */
  port: number;
  leader: boolean;
  /** Absent: as the service's other routes, else true. */
  drainBackends?: boolean;
}

export type RouteInput = HttpRouteInput | TcpRouteInput;

const ROUTE_FIELDS = [
  'id', 'parent_ref', 'type', 'service', 'domain', 'tls_cert', 'tls_key', 'certificate', 'path', 'sticky',
  'leader', 'drain_backends', 'disable_keep_alives', 'port', 'created_at', 'updated_at',
] as const;
const CERT_FIELDS = ['id', 'cert', 'key', 'routes', 'created_at', 'updated_at'] as const;

/** Ports TCP routes may not take (the router's HTTP and HTTPS listeners). */
export const RESERVED_TCP_PORTS: readonly number[] = [80, 443];
export const TCP_PORT_RANGE = { start: 3000, end: 3500 } as const;

const DOMAIN = /^(\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)$/;

/** Parses a route body; `type` may come from the URL (updates). */
export function parseRouteInput(body: unknown, typeOverride?: string): RouteInput {
  const o = asObject(body);
  rejectUnknown(o, ROUTE_FIELDS);
  const type = typeOverride ?? str(o, 'type', { required: true });
  if (type !== 'http' && type !== 'tcp') throw validationError('type', 'must be one of http, tcp');
  const service = str(o, 'service', { required: true, maxLength: 255 })!;
  const problem = serviceNameProblem(service);
  if (service === '' || problem) throw validationError('service', problem ?? 'must not be empty');
  const leader = bool(o, 'leader') ?? false;
  const drainBackends = bool(o, 'drain_backends');
  if (type === 'tcp') {
    for (const f of ['domain', 'path', 'certificate', 'tls_cert', 'tls_key', 'sticky'] as const) {
      if (o[f] !== undefined && o[f] !== null && o[f] !== '' && o[f] !== false) throw validationError(f, 'is not allowed for TCP routes');
    }
    const port = int(o, 'port', { min: 0, max: 65534 }) ?? 0;
    if (RESERVED_TCP_PORTS.includes(port)) throw conflict('Port reserved for HTTP/HTTPS traffic', o);
    return { type, service, port, leader, ...(drainBackends === undefined ? {} : { drainBackends }) };
  }
  const domain = normalizeDomain(str(o, 'domain', { required: true, maxLength: 253 })!);
  const route: HttpRouteInput = {
    type,
    service,
    domain,
    port: int(o, 'port', { min: 0, max: 65534 }) ?? 0,
    path: normalizeRoutePath(str(o, 'path', { maxLength: 1024 }) ?? '/'),
    leader,
    sticky: bool(o, 'sticky') ?? false,
    ...(drainBackends === undefined ? {} : { drainBackends }),
    disableKeepAlives: bool(o, 'disable_keep_alives') ?? false,
  };
  const certificate = parseCertificate(o);
  if (certificate) route.certificate = certificate;
  return route;
}

/** Lower-cases and checks a route domain (`example.com`, `*.example.com`, `*`). */
export function normalizeDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  if (d === '') throw validationError('domain', 'must not be empty');
  if (!DOMAIN.test(d)) throw validationError('domain', 'is not a valid domain name');
  return d;
}

/** `''` → `/`; adds the trailing slash; must then start and end with a slash and hold no whitespace. */
export function normalizeRoutePath(path: string): string {
  let p = path === '' ? '/' : path;
  if (!p.endsWith('/')) p += '/';
  if (!/^\/(.*\/)?$/.test(p) || /\s/.test(p) || [...p].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
    throw validationError('path', 'is not valid');
  }
  return p;
}

function parseCertificate(o: JsonObject): CertificateInput | undefined {
  const legacyCert = str(o, 'tls_cert');
  const legacyKey = str(o, 'tls_key');
  if (legacyCert || legacyKey) return { cert: (legacyCert ?? '').trim(), key: (legacyKey ?? '').trim() };
  const c = o.certificate;
  if (c === undefined || c === null) return undefined;
  const cert = asObject(c, 'certificate');
  rejectUnknown(cert, CERT_FIELDS, 'certificate.');
  const pem = (str(cert, 'cert', {}, 'certificate.') ?? '').trim();
  const key = (str(cert, 'key', {}, 'certificate.') ?? '').trim();
  if (pem === '' && key === '') return undefined;
  return { cert: pem, key };
}

/** `http/<uuid>` / `tcp/<uuid>` → parts; the API also takes them as two path segments. */
export function splitRouteId(id: string): { type: string; id: string } | undefined {
  const i = id.indexOf('/');
  if (i < 0) return undefined;
  return { type: id.slice(0, i), id: id.slice(i + 1) };
}
