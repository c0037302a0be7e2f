/**
 * Resource limits (`flynn limit`, `flynn run --limits`), as the original's
 * host/resource package parsed and printed them: `memory` and `temp_disk` in
 * bytes with binary suffixes (`512MB` = 512 MiB, docker/go-units
 * RAMInBytes), `cpu` in milli-CPUs and `max_fd` as a count (decimal
 * suffixes, FromHumanSize).
 */
import { CliError } from '../errors.js';

export const LIMIT_TYPES = ['memory', 'cpu', 'temp_disk', 'max_fd'] as const;
export type LimitType = (typeof LIMIT_TYPES)[number];

const BINARY: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const DECIMAL: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

function isLimitType(s: string): s is LimitType {
  return (LIMIT_TYPES as readonly string[]).includes(s);
}

/** One limit value of a type; undefined when it does not parse. */
export function parseLimit(type: LimitType, value: string): number | undefined {
  const binary = type === 'memory' || type === 'temp_disk';
  const m = (binary ? /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i : /^(\d+(?:\.\d+)*) ?([kmgtp])?b?$/i).exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  return Math.trunc(n * (binary ? BINARY[unit]! : DECIMAL[unit]!));
}

/** `["memory=512MB", "cpu=500"]` → `{memory: 536870912, cpu: 500}`; throws the original's messages. */
export function parseLimits(specs: readonly string[]): Partial<Record<LimitType, number>> {
  const out: Partial<Record<LimitType, number>> = {};
  for (const spec of specs) {
    const i = spec.indexOf('=');
    if (i < 0) throw new CliError(`invalid resource limit: ${JSON.stringify(spec)}`);
    const type = spec.slice(0, i);
    const value = spec.slice(i + 1);
    if (!isLimitType(type)) throw new CliError(`invalid resource limit type: ${JSON.stringify(type)} (one of ${LIMIT_TYPES.join(', ')})`);
    const n = parseLimit(type, value);
    if (n === undefined) throw new CliError(`invalid resource limit value: ${JSON.stringify(value)}`);
    out[type] = n;
  }
  return out;
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** `1073741824` → `1GB` for byte types (Go `%.4g` of the 1024-based size), else the number. */
export function formatLimit(type: string, limit: number): string {
  if (type !== 'memory' && type !== 'temp_disk') return String(limit);
  let size = limit;
  let i = 0;
  while (size >= 1024 && i < BYTE_UNITS.length - 1) {
    size /= 1024;
    i++;
  }
  return `${Number(size.toPrecision(4))}${BYTE_UNITS[i]}`;
}

/** `cpu=1000 max_fd=10000 memory=1GB temp_disk=100MB` cells, sorted, for types with a limit. */
export function formatLimits(resources: Readonly<Record<string, { limit?: number | null } | undefined>> | undefined): string[] {
  const out: string[] = [];
  for (const [type, spec] of Object.entries(resources ?? {})) {
    if (spec && typeof spec.limit === 'number') out.push(`${type}=${formatLimit(type, spec.limit)}`);
  }
  return out.sort();
}
