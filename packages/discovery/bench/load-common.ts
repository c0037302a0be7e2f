/** Shared pieces of the discovery load clients (bench.sh): timing, percentiles, instance bodies, tiny HTTP helpers. */
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';

export const now = (): number => performance.now();

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Quantile `p` (0..1) of an ascending array, as etcd-load.js computes it. */
export function quantile(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

export function round(x: number, digits = 3): number {
  return Number.isFinite(x) ? +x.toFixed(digits) : NaN;
}

/** p50/p99 (ms) of latencies, rounded. */
export function latencySummary(samples: number[]): { p50_ms: number; p99_ms: number } {
  samples.sort((a, b) => a - b);
  return { p50_ms: round(quantile(samples, 0.5)), p99_ms: round(quantile(samples, 0.99)) };
}

/** The body of `PUT /services/<s>/instances/<id>` for instance number `n` (a distinct address per n). */
export function instanceBody(n: number, prefix = 10): { id: string; addr: string; proto: string } {
  const addr = `${prefix}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:${1000 + ((n >> 24) & 255)}`;
  return { id: createHash('md5').update(`tcp-${addr}`).digest('hex'), addr, proto: 'tcp' };
}

export interface Answer {
  status: number;
  text: string;
}

/** One JSON request; the body is read fully. */
export async function send(d: Dispatcher, origin: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<Answer> {
  const res = await d.request({
    origin,
    path,
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/** `PUT /services/<name>` (409 counts as done). */
export async function ensureService(d: Dispatcher, origin: string, name: string): Promise<void> {
  const r = await send(d, origin, 'PUT', `/services/${name}`, { leader_type: 'oldest' });
  if (r.status !== 200 && r.status !== 409) throw new Error(`PUT /services/${name}: ${r.status} ${r.text}`);
}

export function arg(args: readonly string[], i: number, fallback?: string): string {
  const v = args[i] ?? fallback;
  if (v === undefined) throw new Error(`missing argument ${i + 1}`);
  return v;
}

/**
 * Runs `conc` workers for a 1 s warm-up (not recorded) and then `durMs`, as
 * etcd-load.js does; `op(worker)` does one operation and throws on error;
 * `onMeasureStart` runs between the two.
 */
export async function timedWorkers(
  conc: number,
  durMs: number,
  op: (worker: number) => Promise<void>,
  onMeasureStart: () => void = () => {},
): Promise<{ ops: number; seconds: number; lat: number[]; errors: number; firstErrors: string[] }> {
  const lat: number[] = [];
  let errors = 0;
  const firstErrors: string[] = [];
  let record = false;
  const worker = async (id: number, deadline: number) => {
    while (now() < deadline) {
      const t0 = now();
      try {
        await op(id);
        if (record) lat.push(now() - t0);
      } catch (e) {
        if (!record) continue;
        errors++;
        if (firstErrors.length < 3) firstErrors.push(String(e));
      }
    }
  };
  const warm = now() + 1000;
  await Promise.all(Array.from({ length: conc }, (_, k) => worker(k, warm)));
  record = true;
  onMeasureStart();
  const start = now();
  await Promise.all(Array.from({ length: conc }, (_, k) => worker(k, start + durMs)));
  return { ops: lat.length, seconds: (now() - start) / 1000, lat, errors, firstErrors };
}
