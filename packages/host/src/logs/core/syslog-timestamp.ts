/**
 * RFC 5424 TIMESTAMP (section 6.2.3): an RFC 3339 date-time restricted to
 * `YYYY-MM-DDTHH:MM:SS[.1-6 digits](Z|±HH:MM)`, upper-case `T` and `Z`, no
 * leap second. Pure helpers: validation, conversion to and from milliseconds.
 */
import { SyslogFormatError } from './syslog-errors.js';

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

interface TimestampParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of a second as written (1–6 digits), or '' when absent. */
  fraction: string;
  /** Offset from UTC in minutes (east positive). */
  offsetMinutes: number;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function partsOf(ts: string): TimestampParts | undefined {
  const m = TIMESTAMP_RE.exec(ts);
  if (!m) return undefined;
  const num = (i: number) => Number(m[i] ?? '0');
  const parts: TimestampParts = {
    year: num(1),
    month: num(2),
    day: num(3),
    hour: num(4),
    minute: num(5),
    second: num(6),
    fraction: m[7] ?? '',
    offsetMinutes: m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (num(9) * 60 + num(10)),
  };
  const offsetOk = m[8] === undefined || (num(9) <= 23 && num(10) <= 59);
  const ok =
    parts.month >= 1 &&
    parts.month <= 12 &&
    parts.day >= 1 &&
    parts.day <= daysInMonth(parts.year, parts.month) &&
    parts.hour <= 23 &&
    parts.minute <= 59 &&
    parts.second <= 59 &&
    offsetOk;
  return ok ? parts : undefined;
}

/** Whether `ts` is a valid RFC 5424 TIMESTAMP (not the NILVALUE `-`). */
export function isValidTimestamp(ts: string): boolean {
  return partsOf(ts) !== undefined;
}

/**
 * Milliseconds since the epoch of a valid TIMESTAMP (fraction truncated to
 * milliseconds, offset applied). Throws a SyslogFormatError for an invalid one.
 */
export function timestampToMillis(ts: string): number {
  const p = partsOf(ts);
  if (!p) throw new SyslogFormatError('timestamp', `not an RFC 5424 timestamp: ${JSON.stringify(ts)}`);
  const ms = Number((p.fraction + '000').slice(0, 3));
  const d = new Date(Date.UTC(2000, p.month - 1, p.day, p.hour, p.minute, p.second, ms));
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  return d.getTime() - p.offsetMinutes * 60_000;
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ` for a time in milliseconds (years 0000–9999). */
export function millisToTimestamp(ms: number): string {
  const d = new Date(Math.floor(ms));
  const year = d.getUTCFullYear();
  if (!Number.isFinite(ms) || Number.isNaN(year) || year < 0 || year > 9999) {
    throw new SyslogFormatError('timestamp', `time ${ms} is outside years 0000-9999`);
  }
  return d.toISOString();
}
