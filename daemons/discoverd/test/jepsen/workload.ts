/**
 * The Jepsen workload: clients doing CAS writes of service metadata
 * (`PUT /services/<s>/meta` with `{data, index}`) and consistent reads
 * (`GET /services/<s>/meta?consistent=true`), each request to a random node,
 * every operation recorded for `casRegisterModel`:
 *
 * | what happened                                        | recorded as                        |
 * |------------------------------------------------------|------------------------------------|
 * | 200                                                  | ok (read meta / write new index)   |
 * | read 404 (no meta yet)                               | ok, meta null                      |
 * | write 409 / 412 (the CAS comparison failed)          | ok, failed write (a legal outcome) |
 * | write 503 no known leader / starting, 307, 400, 404  | fail: refused before any proposal  |
 * | connection refused / never connected                 | fail: no server saw it             |
 * | timeout, reset, other 5xx                            | info: may apply later, or never    |
 * | read failing in any way                              | fail (a read has no effect)        |
 *
 * The 503 "no known leader" is raised by discoverd before a command is
 * proposed (the raft driver refuses proposals synchronously; proposals
 * already in the log are never answered with it), "starting" by a daemon
 * whose store is not open yet, and a 307 only by a node that is not the
 * leader, before proposing.
 */
import type { Random } from '@flynn-ts/core';
import type { CasRegisterInput, CasRegisterOutput, HistoryRecorder, OpenOperation } from '@flynn-ts/raft/testing';
import type { Dispatcher } from 'undici';
import { call } from './http.js';
import type { HttpOutcome } from './http.js';

export type MetaInput = CasRegisterInput<string>;
export type MetaOutput = CasRegisterOutput<string>;
export type MetaRecorder = HistoryRecorder<MetaInput, MetaOutput>;

/** 503s that a node answers before it proposes anything: no leader to propose to, or the daemon still starting. */
const REFUSED_503 = new Set(['discoverd: no known leader', 'discoverd: starting']);

/** Counts by outcome, plus why operations failed or went unknown. */
export class WorkloadStats {
  readonly counts = { readOk: 0, readFail: 0, writeOk: 0, writeRefused409: 0, writeRefused412: 0, writeFail: 0, writeInfo: 0 };
  readonly reasons = new Map<string, number>();
  /** Write answers whose echoed data is not what was written (should stay empty). */
  readonly anomalies: string[] = [];

  note(reason: string): void {
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  get ok(): number {
    const c = this.counts;
    return c.readOk + c.writeOk + c.writeRefused409 + c.writeRefused412;
  }
  get fail(): number {
    return this.counts.readFail + this.counts.writeFail;
  }
  get info(): number {
    return this.counts.writeInfo;
  }

  summary(): string {
    const c = this.counts;
    const reasons = [...this.reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r}×${n}`);
    return [
      `ops: ok=${this.ok} fail=${this.fail} info=${this.info}`,
      `  reads: ok=${c.readOk} fail=${c.readFail}`,
      `  writes: ok=${c.writeOk} cas-409=${c.writeRefused409} cas-412=${c.writeRefused412} fail=${c.writeFail} info=${c.writeInfo}`,
      `  fail/info reasons: ${reasons.join(', ') || 'none'}`,
    ].join('\n');
  }
}

export interface MetaClientOptions {
  dispatcher: Dispatcher;
  service: string;
  /** Addresses (`host:port`) to pick from for each request. */
  nodes: readonly string[];
  random: Random;
  timeoutMs: number;
  stats: WorkloadStats;
  recorder: MetaRecorder;
}

/** One client: its last seen index, a counter for unique values. */
export class MetaClient {
  private seen = 0;
  private seq = 0;

  constructor(
    readonly id: number,
    private readonly o: MetaClientOptions,
  ) {}

  private get path(): string {
    return `/services/${this.o.service}/meta`;
  }

  /** A consistent read at a random (or the given) node. Returns the meta read, null (none), or undefined (failed). */
  async read(node = this.o.random.pick(this.o.nodes)): Promise<{ value: string; index: number } | null | undefined> {
    const op = this.o.recorder.invoke(this.id, { op: 'read' });
    const r = await call(this.o.dispatcher, { method: 'GET', node, path: `${this.path}?consistent=true`, timeoutMs: this.o.timeoutMs });
    const { stats } = this.o;
    if (r.kind === 'response' && r.status === 200) {
      const meta = decodeMeta(r.body);
      if (meta) {
        op.ok({ op: 'read', meta });
        stats.counts.readOk++;
        this.seen = meta.index;
        return meta;
      }
    }
    if (r.kind === 'response' && r.status === 404 && (r.body as { code?: unknown } | undefined)?.code === 'object_not_found') {
      op.ok({ op: 'read', meta: null });
      stats.counts.readOk++;
      return null;
    }
    op.fail();
    stats.counts.readFail++;
    stats.note(`read ${describe(r)}`);
    return undefined;
  }

  /** A CAS write at a random node, expecting the last index this client saw (usually), 0, or a stale one. */
  async write(): Promise<void> {
    const { random } = this.o;
    const roll = random.next();
    const index = roll < 0.75 ? this.seen : roll < 0.85 ? 0 : Math.max(1, this.seen - random.between(1, 5));
    const value = `c${this.id}-${this.seq++}`;
    const op = this.o.recorder.invoke(this.id, { op: 'write', index, value });
    const r = await call(this.o.dispatcher, { method: 'PUT', node: random.pick(this.o.nodes), path: this.path, body: { data: value, index }, timeoutMs: this.o.timeoutMs });
    this.classifyWrite(op, r, value);
  }

  private classifyWrite(op: OpenOperation<MetaOutput>, r: HttpOutcome, value: string): void {
    const { stats } = this.o;
    const c = stats.counts;
    if (r.kind === 'response') {
      const body = r.body as { index?: unknown; data?: unknown; message?: unknown } | undefined;
      if (r.status === 200 && typeof body?.index === 'number') {
        if (body.data !== value) stats.anomalies.push(`write ${value} answered ${r.text}`);
        op.ok({ op: 'write', ok: true, index: body.index });
        c.writeOk++;
        this.seen = body.index;
        return;
      }
      if (r.status === 409 || r.status === 412) {
        op.ok({ op: 'write', ok: false, status: r.status });
        if (r.status === 409) c.writeRefused409++;
        else c.writeRefused412++;
        return;
      }
      const refused = (r.status === 503 && typeof body?.message === 'string' && REFUSED_503.has(body.message)) || r.status === 307 || r.status === 400 || r.status === 404;
      stats.note(`write ${describe(r)}`);
      if (refused) {
        op.fail();
        c.writeFail++;
      } else {
        op.info();
        c.writeInfo++;
      }
      return;
    }
    stats.note(`write ${describe(r)}`);
    if (r.kind === 'not-sent') {
      op.fail();
      c.writeFail++;
    } else {
      op.info();
      c.writeInfo++;
    }
  }
}

function decodeMeta(body: unknown): { value: string; index: number } | undefined {
  const b = body as { data?: unknown; index?: unknown } | undefined;
  if (typeof b?.index !== 'number') return undefined;
  return { value: typeof b.data === 'string' ? b.data : JSON.stringify(b.data), index: b.index };
}

/** A short reason for the stats, e.g. `503 no known leader`, `unknown UND_ERR_HEADERS_TIMEOUT`. */
function describe(r: HttpOutcome): string {
  if (r.kind === 'response') {
    const msg = (r.body as { message?: unknown } | undefined)?.message;
    return `${r.status}${typeof msg === 'string' ? ` ${msg.replace(/^discoverd: /, '')}` : ''}`;
  }
  const code = /^\S+: (\S+)/.exec(r.error)?.[1] ?? 'error';
  return `${r.kind} ${code}`;
}

export interface RunClientsOptions extends Omit<MetaClientOptions, 'random'> {
  clients: number;
  random: Random;
  signal: AbortSignal;
  /** Pause between a client's operations, ms. */
  thinkMs: readonly [number, number];
  /** Chance that an operation is a read. */
  readRatio: number;
}

/** Runs `clients` clients until `signal` aborts. */
export async function runClients(o: RunClientsOptions): Promise<void> {
  const loop = async (id: number) => {
    const client = new MetaClient(id, o);
    while (!o.signal.aborted) {
      if (o.random.chance(o.readRatio)) await client.read();
      else await client.write();
      await sleep(o.random.between(o.thinkMs[0], o.thinkMs[1]));
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, id) => loop(id)));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
