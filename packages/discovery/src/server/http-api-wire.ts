/**
 * The bytes the original discoverd puts on the wire (wire-observed §1–3):
 * Go `encoding/json` output (compact, HTML-safe escapes, struct field order,
 * `omitempty`), `hh.JSON` reads, empty 200 writes, `{code,message,retry}`
 * errors, Go's text 404 and `http.Redirect`.
 */
import { API_ERROR_STATUS, FlynnError } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { DiscoveryEvent, Instance, ServiceMeta } from '../core/types.js';

/** Escapes Go's `json.Marshal` applies inside strings (they only occur inside strings). */
const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** `JSON.stringify` with Go's HTML-safe escaping, so bodies match the original byte for byte. */
export function goJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (ch) => GO_ESCAPES[ch]!);
}

/** An instance with the original's field order; `meta` omitted when empty, `index` when 0. */
export function wireInstance(inst: Instance): Record<string, unknown> {
  const out: Record<string, unknown> = { id: inst.id, addr: inst.addr, proto: inst.proto };
  if (inst.meta && Object.keys(inst.meta).length > 0) out.meta = inst.meta;
  if (inst.index) out.index = inst.index;
  return out;
}

/** Stored meta: `{"data":…,"index":n}` (`data` null when absent). */
export function wireMeta(meta: ServiceMeta, leaderId?: string): Record<string, unknown> {
  const out: Record<string, unknown> = { data: meta.data === undefined ? null : meta.data };
  if (leaderId) out.leader_id = leaderId;
  out.index = meta.index;
  return out;
}

/** A stream event: `{service, kind, instance?, service_meta?}`. */
export function wireEvent(e: DiscoveryEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { service: e.service, kind: e.kind };
  if (e.instance) out.instance = wireInstance(e.instance);
  if (e.service_meta) out.service_meta = wireMeta(e.service_meta);
  return out;
}

const encoder = new TextEncoder();

/** `hh.JSON`: compact JSON, `application/json`, no trailing newline. */
export function jsonResponse(value: unknown, status = 200, headers?: Record<string, string>): Response {
  const body = encoder.encode(goJson(value));
  return new Response(body, {
    status,
    headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(body.byteLength) },
  });
}

/** A successful write: 200, `Content-Length: 0`, no Content-Type. */
export function emptyResponse(status = 200, headers?: Record<string, string>): Response {
  return new Response(null, { status, headers: { ...headers, 'Content-Length': '0' } });
}

/** The error body of the original: exactly `{code, message, retry}`. */
export function errorResponse(status: number, code: string, message: string, retry = false): Response {
  return jsonResponse({ code, message, retry }, status);
}

export function validationError(message: string): Response {
  return errorResponse(400, 'validation_error', message);
}

/** `hh` `syntax_error`, as the original answers malformed or mistyped JSON. */
export function syntaxError(): Response {
  return errorResponse(400, 'syntax_error', 'The provided JSON input is invalid');
}

export function serviceUnavailable(message: string): Response {
  return errorResponse(503, 'service_unavailable', message, true);
}

/** `Discoverd-Peers`, or undefined when the backend cannot list them (the original then omits it). */
export function peerList(backend: { peers(): string[] }): string | undefined {
  try {
    return backend.peers().join(',');
  } catch {
    return undefined;
  }
}

export const NO_KNOWN_LEADER = 'discoverd: no known leader';
export const SHUTTING_DOWN = 'discoverd: shutting down';


/**
 * Maps anything a backend throws to the original's error answer: a FlynnError
 * by its `apiCode` (status from the original's table, else the error's own
 * `status`; detail dropped, as the original sends none);
 * anything else is a server failure, 500 `unknown_error` "Something went
 * wrong" (logged).
 */
export function thrownResponse(err: unknown, logger: Logger): Response {
  if (FlynnError.is(err)) {
    // The original's code → status table is core's API_ERROR_STATUS.
    const status = (API_ERROR_STATUS as Record<string, number>)[err.apiCode] ?? err.status;
    if (status >= 500) logger.error({ err, code: err.code }, 'request failed');
    return errorResponse(status, err.apiCode, err.message, err.retry);
  }
  logger.error({ err }, 'request failed');
  return errorResponse(500, 'unknown_error', 'Something went wrong');
}

/** The leader address carried by a raft `NotLeaderError` (checked by code, not `instanceof`). */
export function notLeaderTarget(err: unknown): { leader: string } | undefined {
  if (!FlynnError.is(err) || err.code !== 'FLYNN_RAFT_NOT_LEADER') return undefined;
  const leader = (err as FlynnError & { leader?: unknown }).leader;
  return { leader: typeof leader === 'string' ? leader : '' };
}

/** Go's `http.NotFound`, which the original's router answers for unknown routes. */
export function goNotFound(): Response {
  const body = encoder.encode('404 page not found\n');
  return new Response(body, {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': String(body.byteLength) },
  });
}

/**
 * Go's `http.Redirect(w, r, url, 307)`: `Location`; for GET and HEAD a
 * `text/html` Content-Type, and for GET the body
 * `<a href="url">Temporary Redirect</a>.\n\n`; other methods get no body.
 */
export function goRedirect(method: string, location: string): Response {
  const headers: Record<string, string> = { Location: hexEscapeNonAscii(location) };
  if (method === 'GET' || method === 'HEAD') headers['Content-Type'] = 'text/html; charset=utf-8';
  if (method !== 'GET') return new Response(null, { status: 307, headers: { ...headers, 'Content-Length': '0' } });
  const body = encoder.encode(`<a href="${htmlEscape(location)}">Temporary Redirect</a>.\n\n`);
  return new Response(body, { status: 307, headers: { ...headers, 'Content-Length': String(body.byteLength) } });
}

/** `http://<hostport><path>?<query>` for a redirect, keeping the request's path and query as sent. */
export function redirectUrl(requestUrl: string, hostport: string): string {
  const u = new URL(requestUrl);
  return `http://${hostport}${u.pathname}${u.search}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

function hexEscapeNonAscii(s: string): string {
  let out = '';
  for (const byte of encoder.encode(s)) {
    out += byte >= 0x80 ? `%${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}
