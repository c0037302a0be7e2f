/**
 * Timestamps as the original sends them: RFC 3339 with the fraction's
 * trailing zeros trimmed (Go's RFC3339Nano), in UTC, microsecond precision as
 * stored by PostgreSQL (e.g. `2024-05-01T10:00:00.6061Z`).
 */

const PG_UTC = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:\+00(?::?00)?|Z)$/;

/** Converts PostgreSQL's text output of a `timestamptz` (session time zone UTC) to RFC 3339. */
export function pgTimestampToRfc3339(text: string): string {
  const m = PG_UTC.exec(text);
  if (m) {
    const frac = (m[3] ?? '').replace(/0+$/, '');
    return `${m[1]}T${m[2]}${frac ? `.${frac}` : ''}Z`;
  }
  // Another session time zone or an unusual value: let Date normalise it (ms precision).
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : trimMillis(d.toISOString());
}

/** A JS Date/ISO string in the same trimmed format. */
export function trimMillis(iso: string): string {
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}
