/**
 * A small real cluster for the one-off job and log tests, all in this
 * process except the jobs themselves: one discovery store (MemoryDiscovery
 * instances sharing it, as separate processes would share discoverd), a real
 * flynn-host (`startHost` with the `ProcessDriver`: jobs are plain processes,
 * no root needed, and a `FileLogManager`) registered as `flynn-host`,
 * optionally a real log aggregator (@flynn-ts/logaggregator) fed by the
 * host's log shipper, and the controller on PostgreSQL finding both through
 * discovery.
 *
 * `clusterHooks` registers one such cluster (on its own PostgreSQL) for a
 * test file.
 *
 * `flynnCli(...)` runs the real CLI (`packages/cli/src/main.ts`) as a child
 * process against the controller, with its own HOME and flynnrc.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ControllerOptions } from '@flynn-ts/controller';
import { MemoryDiscovery, MemoryDiscoveryStore } from '@flynn-ts/discovery/testing';
import { FileLogManager, HostClient, ProcessDriver, startHost } from '@flynn-ts/host';
import type { FlynnHost } from '@flynn-ts/host';
import { LogAggregator } from '@flynn-ts/logaggregator';
import { afterAll, beforeAll } from 'vitest';
import type { Instance, PgFixture } from './harness.js';
import { KEY, setupPostgres, startInstance } from './harness.js';

export const HOST_ID = 'host1';
const CLI_MAIN = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface TestCluster {
  dir: string;
  store: MemoryDiscoveryStore;
  host: FlynnHost;
  /** @flynn-ts/host's client of the host, to look at what the host got. */
  hostClient: HostClient;
  aggregator: LogAggregator | undefined;
  controller: Instance;
  /** A MemoryDiscovery on the shared store (closed with the cluster). */
  discovery(): MemoryDiscovery;
  close(): Promise<void>;
}

export async function startCluster(database: string, options: { logs?: boolean; controller?: Partial<ControllerOptions> } = {}): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), `flynn-ctl-run-${process.pid}-`));
  const store = new MemoryDiscoveryStore();
  const discoveries: MemoryDiscovery[] = [];
  const discovery = () => {
    const d = new MemoryDiscovery({ store });
    discoveries.push(d);
    return d;
  };
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    for (const d of discoveries) await d.close().catch(() => undefined);
    store.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let aggregator: LogAggregator | undefined;
    if (options.logs) {
      aggregator = await LogAggregator.start({ discovery: discovery(), refill: false, flushMs: 20 });
      closers.push(() => aggregator!.close());
    }
    // The host's log files; shipped to the aggregators in discovery when there are any.
    const logs = new FileLogManager({
      dir: join(dir, 'logs'),
      hostId: HOST_ID,
      flushMs: 20,
      ...(options.logs ? { discovery: discovery(), shipping: { backoff: { initialMs: 20, maxMs: 200 } } } : {}),
    });
    closers.push(() => logs.close());
    const host = await startHost({
      id: HOST_ID,
      stateDir: join(dir, 'host'),
      driver: new ProcessDriver({ pollIntervalMs: 100 }),
      port: 0,
      discovery: discovery(),
      logs,
      jobs: { stopGraceMs: 1_000 },
    });
    closers.push(() => host.close({ stopJobs: true, graceMs: 500 }));
    const hostClient = new HostClient({ url: host.url, id: HOST_ID });
    closers.push(() => hostClient.close());
    const controller = await startInstance(database, { discovery: discovery(), ...(options.controller ?? {}) });
    closers.push(() => controller.close());
    return { dir, store, host, hostClient, aggregator, controller, discovery, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export type ClusterOptions = NonNullable<Parameters<typeof startCluster>[1]>;

/** The live state `clusterHooks` fills in `beforeAll` (read it inside hooks and tests). */
export interface ClusterHooks {
  /** This file's PostgreSQL (the cluster's controller is on one of its databases). */
  fx: PgFixture;
  cluster: TestCluster;
  /** The cluster's controller. */
  c: Instance;
  /** The CLI pointed at that controller. */
  cli: FlynnCli;
}

/**
 * Registers, in the enclosing `describe`, one cluster for the whole file on a
 * fresh database of a PostgreSQL of its own, with the CLI pointed at its
 * controller; all closed in `afterAll`. Hooks the caller registers afterwards
 * run after this `beforeAll` (so they may use the state) and before this `afterAll`.
 */
export function clusterHooks(options: ClusterOptions = {}): ClusterHooks {
  const t = {} as ClusterHooks;
  beforeAll(async () => {
    t.fx = await setupPostgres();
    t.cluster = await startCluster(await t.fx.freshDatabase(), options);
    t.c = t.cluster.controller;
    t.cli = await flynnCli(t.cluster.dir, t.c.url);
  });
  afterAll(async () => {
    await t.cluster?.close();
    await t.fx?.stop();
  });
  return t;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FlynnCli {
  /** Runs `flynn <args>` to its end. */
  run(args: readonly string[], input?: string): Promise<CliResult>;
  /** Starts `flynn <args>`; `stop()` sends SIGINT to it (by pid) and resolves with its result. */
  start(args: readonly string[]): { output(): string; stop(): Promise<CliResult>; done: Promise<CliResult> };
}

/** The CLI with a flynnrc (the original's TOML, in `dir`) pointing at `controllerUrl`. */
export async function flynnCli(dir: string, controllerUrl: string): Promise<FlynnCli> {
  const home = join(dir, 'home');
  const flynnrc = join(dir, 'flynnrc');
  await writeFile(flynnrc, `default = "default"\n\n[[cluster]]\n  Name = "default"\n  Key = "${KEY}"\n  ControllerURL = "${controllerUrl}"\n`);
  const spawnCli = (args: readonly string[], input: string) => {
    const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', TSX, CLI_MAIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, FLYNNRC: flynnrc, LANG: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const done = once(child, 'exit').then(([code, signal]): CliResult => {
      clearTimeout(timer);
      return { code: code ?? (signal ? 128 : -1), stdout, stderr };
    });
    return { child, done, output: () => stdout };
  };
  return {
    run: (args, input = '') => spawnCli(args, input).done,
    start(args) {
      const { child, done, output } = spawnCli(args, '');
      return {
        output,
        done,
        stop: () => {
          if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGINT');
          return done;
        },
      };
    },
  };
}
