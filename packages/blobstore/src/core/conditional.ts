/**
 * Conditional requests on blobs (RFC 9110 §13): `If-None-Match` (weak
 * comparison; `*` matches any existing blob) and, only without it,
 * `If-Modified-Since` (second precision), both for GET/HEAD → 304; and
 * `If-Range`, which lets a Range through only while the blob is unchanged.
 * ETags are the quoted base64 SHA-512 of the content, as the original. Pure.
 */
export interface ConditionalInfo {
  /** Unquoted ETag. */
  etag: string;
  /** Last modification, ms since the epoch. */
  modifiedAt: number;
}

export interface ConditionalHeaders {
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifRange?: string | undefined;
}

/** `"etag"` as sent in the ETag header. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/** The entity tags of an If-None-Match / If-Match list, unquoted, weakness dropped; `['*']` for `*`. */
export function parseEtagList(header: string): string[] {
  if (header.trim() === '*') return ['*'];
  const out: string[] = [];
  for (const m of header.matchAll(/(?:W\/)?"([^"]*)"/g)) out.push(m[1]!);
  return out;
}

/** Whether the blob is unchanged for the client: answer 304 Not Modified. */
export function isNotModified(h: ConditionalHeaders, info: ConditionalInfo): boolean {
  if (h.ifNoneMatch !== undefined) {
    const tags = parseEtagList(h.ifNoneMatch);
    return tags.includes('*') || tags.includes(info.etag);
  }
  if (h.ifModifiedSince !== undefined) {
    const since = Date.parse(h.ifModifiedSince);
    if (Number.isNaN(since)) return false;
    return Math.floor(info.modifiedAt / 1000) * 1000 <= since;
  }
  return false;
}

/** Whether a Range may be honoured: no If-Range, or one matching the blob (a strong ETag or an HTTP date). */
export function rangeAllowed(h: ConditionalHeaders, info: ConditionalInfo): boolean {
  const v = h.ifRange?.trim();
  if (v === undefined || v === '') return true;
  if (v.startsWith('"')) return v === quoteEtag(info.etag);
  if (v.startsWith('W/')) return false;
  const date = Date.parse(v);
  return !Number.isNaN(date) && Math.floor(info.modifiedAt / 1000) * 1000 === date;
}

/** The IMF-fixdate for Last-Modified. */
export function httpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString();
}
