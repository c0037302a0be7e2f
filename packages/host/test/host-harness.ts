/**
 * Integration harness: a real flynn-host API (`startHost`) on 127.0.0.1:0 with
 * the real ProcessDriver and FileLogManager in a temp dir, and a HostClient
 * for it. `restart()` closes the host without stopping its jobs and starts a
 * new one on the same state (the jobs, detached processes, keep running).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import type { FlynnHost, HostOptions } from '../src/host.js';
import { startHost } from '../src/host.js';
import { HostClient } from '../src/client/host-client.js';
import { FileLogManager } from '../src/logs/file-log-manager.js';
import { ProcessDriver } from '../src/runtime/process-driver.js';
import type { ActiveJob, HostEvent, Job, JobStatus } from '../src/types.js';

export interface TestHost {
  dir: string;
  host: FlynnHost;
  client: HostClient;
  logs: FileLogManager;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestHost(extra: Partial<HostOptions> = {}): Promise<TestHost> {
  const dir = await mkdtemp(join(tmpdir(), `flynn-host-int-${process.pid}-`));
  const make = async () => {
    const logs = new FileLogManager({ dir: join(dir, 'logs'), hostId: 'inthost', flushMs: 10 });
    const host = await startHost({
      id: 'inthost',
      stateDir: join(dir, 'state'),
      driver: new ProcessDriver({ pollIntervalMs: 100 }),
      logs,
      port: 0,
      jobs: { stopGraceMs: 2_000, cursorFlushMs: 100 },
      keepAliveMs: 1_000,
      ...extra,
    });
    return { host, logs, client: new HostClient({ url: host.url, retries: 0 }) };
  };
  let cur = await make();
  const t: TestHost = {
    dir,
    get host() {
      return cur.host;
    },
    get client() {
      return cur.client;
    },
    get logs() {
      return cur.logs;
    },
    restart: async () => {
      await cur.client.close();
      await cur.host.close();
      await cur.logs.close();
      cur = await make();
    },
    close: async () => {
      await cur.client.close();
      await cur.host.close({ stopJobs: true, graceMs: 100 });
      await cur.logs.close();
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
  return t;
}

let seq = 0;
export function jobId(): string {
  return `inthost-${process.pid}-${++seq}`;
}

export function shJob(id: string, script: string, config: Partial<Job['config']> = {}): Job {
  return { id, config: { args: ['/bin/sh', '-c', script], ...config } };
}

export async function waitForStatus(client: HostClient, id: string, statuses: JobStatus[], timeoutMs = 15_000): Promise<ActiveJob> {
  return waitFor(
    async () => {
      const job = await client.getJob(id);
      return statuses.includes(job.status) ? job : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `job ${id} ${statuses.join('|')}` },
  );
}

/** Opens an event stream and resolves once it is connected, with the events collected until `until` holds. */
export async function openEvents(client: HostClient, id: string | undefined, until: (events: HostEvent[]) => boolean): Promise<{ events: Promise<HostEvent[]>; close(): void }> {
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  const stream = client.streamEvents(id, { onOpen: () => opened() });
  const events = collectEvents(stream, until);
  await open;
  return { events, close: () => stream.close() };
}

/** Collects events of a stream until `until` returns true. */
export async function collectEvents(stream: AsyncIterable<HostEvent>, until: (events: HostEvent[]) => boolean): Promise<HostEvent[]> {
  const events: HostEvent[] = [];
  for await (const e of stream) {
    events.push(e);
    if (until(events)) break;
  }
  return events;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
