/**
 * A real, small cluster for the scheduler's integration tests, all in this
 * process except the jobs: a throwaway PostgreSQL with the real controller
 * (API on loopback), a real discoverd (`startDiscoverd`), real flynn-hosts
 * (`startHost` with the `process` driver, each on its own loopback address
 * 127.77.<pid>.<n>, so jobs of different hosts can use the same port), and
 * schedulers (the loop, its `/debug/state` API and the deployer).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLogger, noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import { waitFor } from '@flynn-ts/core/testing';
import { ControllerClient, createController } from '@flynn-ts/controller';
import type { Controller, Job, ProcessType } from '@flynn-ts/controller';
import { startTestPostgres } from '@flynn-ts/controller/testing';
import type { TestPostgres } from '@flynn-ts/controller/testing';
import { startDiscoverd } from '@flynn-ts/discoverd';
import type { Discoverd } from '@flynn-ts/discoverd';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { HostClient, ProcessDriver, startHost } from '@flynn-ts/host';
import type { FlynnHost } from '@flynn-ts/host';
import { createSchedulerApi, DeployRunner, GiB, Scheduler } from '@flynn-ts/scheduler';
import type { ResourceAmount, SchedulerHost, SchedulerTuning } from '@flynn-ts/scheduler';

export const KEY = 'scheduler-test-key';
const NET = `127.77.${process.pid % 250}`;

/** Logs of the cluster's components on stderr when `SCHEDULER_TEST_LOG=debug|info`. */
function testLogger(name: string): Logger {
  const level = process.env.SCHEDULER_TEST_LOG;
  return level === 'debug' || level === 'info' ? jsonLogger({ level, fields: { c: name } }) : noopLogger;
}

export interface TestHost {
  id: string;
  ip: string;
  host: FlynnHost;
  discovery: DiscoveryClient;
  /** Stops the API and the jobs (a host failure, as far as the scheduler can tell). */
  kill(): Promise<void>;
}

export interface TestScheduler {
  scheduler: Scheduler;
  deployer: DeployRunner;
  http: HttpServerHandle;
  url: string;
  close(): Promise<void>;
}

export interface ClusterOptions {
  hosts: number;
  /** Every host's capacity (reported in its `/host/status`). Default 8 GiB, 8000 milli-CPU. */
  capacity?: ResourceAmount;
  tuning?: SchedulerTuning;
  /** discoverd instance TTL. Default 10 000 ms (heartbeats come every 3–5 s). */
  ttlMs?: number;
  /** Concurrent job starts per host before it answers 429. Default 16. */
  maxConcurrentStarts?: number;
  /** Logs of the schedulers (default: `SCHEDULER_TEST_LOG`). */
  logger?: Logger;
}

export class TestCluster {
  readonly hosts: TestHost[] = [];
  readonly schedulers: TestScheduler[] = [];
  client!: ControllerClient;
  controller!: Controller;
  discoverd!: Discoverd;
  discovery!: DiscoveryClient;
  private pg!: TestPostgres;
  private controllerHttp!: HttpServerHandle;
  private dir!: string;
  private hostCount = 0;

  constructor(readonly options: ClusterOptions) {}

  static async start(options: ClusterOptions): Promise<TestCluster> {
    const c = new TestCluster(options);
    try {
      await c.init();
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  private async init(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), `flynn-sched-int-${process.pid}-`));
    this.pg = await startTestPostgres();
    const database = await this.pg.createDatabase();
    this.controller = await createController({ database, authKeys: [KEY], sseKeepAliveMs: 1_000, eventPollMs: 500, logger: testLogger('controller') });
    this.controllerHttp = await serve(this.controller.fetch, { host: '127.0.0.1', port: 0, graceMs: 500 });
    this.client = new ControllerClient({ urls: [this.controllerHttp.url], key: KEY });
    this.discoverd = await startDiscoverd({ dataDir: join(this.dir, 'discoverd'), host: '127.0.0.1', addr: '127.0.0.1:0', ttlMs: this.options.ttlMs ?? 10_000 });
    this.discovery = new DiscoveryClient({ servers: [this.discoverd.url] });
    for (let i = 0; i < this.options.hosts; i++) await this.addHost();
  }

  get controllerUrl(): string {
    return this.controllerHttp.url;
  }

  /** Starts one more host and waits until it is in discovery. */
  async addHost(): Promise<TestHost> {
    const n = ++this.hostCount;
    const id = `host${n}`;
    const ip = `${NET}.${n + 1}`;
    const discovery = new DiscoveryClient({ servers: [this.discoverd.url] });
    const host = await startHost({
      id,
      stateDir: join(this.dir, id),
      driver: new ProcessDriver({ pollIntervalMs: 200 }),
      port: 0,
      listenAddress: ip,
      externalIp: ip,
      discovery,
      keepAliveMs: 1_000,
      jobs: { stopGraceMs: 3_000, maxConcurrentStarts: this.options.maxConcurrentStarts ?? 16 },
      capacity: this.options.capacity ?? { memory: 8 * GiB, cpu: 8000 },
      logger: testLogger(id),
    });
    let killed = false;
    const t: TestHost = {
      id,
      ip,
      host,
      discovery,
      kill: async () => {
        if (killed) return;
        killed = true;
        await host.close({ stopJobs: true, graceMs: 200 });
        await discovery.close();
      },
    };
    this.hosts.push(t);
    await waitFor(async () => (await this.discovery.instances('flynn-host')).some((i) => i.meta?.id === id), { what: `${id} registered`, timeoutMs: 20_000 });
    return t;
  }

  /** Starts a scheduler with its `/debug/state` API and deployer, registered for the election. */
  async startScheduler(tuning: SchedulerTuning = {}): Promise<TestScheduler> {
    const holder: { fetch?: (req: Request) => Response | Promise<Response> } = {};
    const http = await serve((req) => holder.fetch?.(req) ?? new Response('starting', { status: 503 }), { host: '127.0.0.1', port: 0, graceMs: 200 });
    const name = `sched${this.schedulers.length + 1}`;
    const discovery = new DiscoveryClient({ servers: [this.discoverd.url] });
    const scheduler = new Scheduler({
      controller: this.client,
      discovery,
      connectHost: (h): SchedulerHost => new HostClient({ url: `http://${h.addr}`, id: h.id, timeoutMs: 5_000, retries: 0 }),
      advertiseAddr: `127.0.0.1:${http.port}`,
      name,
      tuning: { jobSyncMs: 5_000, formationSyncMs: 10_000, maxStartsPerHost: this.options.maxConcurrentStarts ?? 16, ...this.options.tuning, ...tuning },
      logger: this.options.logger ?? testLogger(name),
    });
    // The deployer reports progress through the controller API (`POST /deployments/:id/events`).
    const deployer = new DeployRunner({ controller: this.client, scheduler, pollMs: 2_000, logger: testLogger(`${name}-deployer`) });
    holder.fetch = createSchedulerApi(scheduler, { deployer }).fetch;
    await scheduler.start();
    deployer.start();
    let closed = false;
    const t: TestScheduler = {
      scheduler,
      deployer,
      http,
      url: http.url,
      close: async () => {
        if (closed) return;
        closed = true;
        await deployer.close();
        await scheduler.close();
        await http.close(200);
        await discovery.close();
      },
    };
    this.schedulers.push(t);
    return t;
  }

  /** Creates an app with one release (process types as given) and returns their ids. */
  async createApp(name: string, processes: Record<string, ProcessType>, app: { deploy_timeout?: number; strategy?: string; meta?: Record<string, string> } = {}) {
    const created = await this.client.createApp({ name, ...app });
    const release = await this.createRelease(created.id, processes);
    return { app: created, release };
  }

  async createRelease(appId: string, processes: Record<string, ProcessType>, env: Record<string, string> = {}) {
    const artifact = await this.client.createArtifact({ type: 'docker', uri: `docker://test/${appId}/${Object.keys(processes).join('-')}-${Math.random()}` });
    return this.client.createRelease(appId, { artifacts: [artifact.id], processes, env });
  }

  /** The controller's jobs of an app in a state. */
  async jobs(app: string, state?: Job['state'], release?: string): Promise<Job[]> {
    return (await this.client.jobList(app)).filter((j) => (state === undefined || j.state === state) && (release === undefined || j.release === release));
  }

  /** Jobs actually running on the hosts, for an app (by host). */
  running(appId: string): { hostId: string; id: string; release: string | undefined; type: string | undefined }[] {
    const out: { hostId: string; id: string; release: string | undefined; type: string | undefined }[] = [];
    for (const h of this.hosts) {
      for (const [id, j] of Object.entries(h.host.jobs.list({ active: true }))) {
        if (j.job.metadata?.['flynn-controller.app'] === appId && j.status === 'running') out.push({ hostId: h.id, id, release: j.job.metadata?.['flynn-controller.release'], type: j.job.metadata?.['flynn-controller.type'] });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    for (const s of this.schedulers) await s.close().catch(() => {});
    for (const h of this.hosts) await h.kill().catch(() => {});
    await this.client?.close().catch(() => {});
    await this.discovery?.close().catch(() => {});
    this.controller?.shutdown();
    await this.controllerHttp?.close(200).catch(() => {});
    await this.controller?.close().catch(() => {});
    await this.discoverd?.close().catch(() => {});
    await this.pg?.stop().catch(() => {});
    if (this.dir) await rm(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

/**
 * A tiny HTTP server job: answers its release id after 20 ms, listens on
 * $EXTERNAL_IP:$PORT, and exits at once on SIGTERM (requests in flight then
 * fail: only a drain before the stop keeps them from failing).
 */
export const WEB_SERVER = [
  "const http = require('node:http');",
  "const s = http.createServer((q, r) => setTimeout(() => r.end(process.env.FLYNN_RELEASE_ID || ''), 20));",
  's.listen(Number(process.env.PORT), process.env.EXTERNAL_IP);',
  "process.on('SIGTERM', () => process.exit(0));",
].join('\n');

/** A TCP health check every 100 ms (Go durations are nanoseconds). */
export const TCP_CHECK = { type: 'tcp', interval: 100_000_000, threshold: 1 };
