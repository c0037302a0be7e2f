/**
 * Shared setup of the controller's integration tests: one throwaway
 * PostgreSQL per test file (a migrated template database, cloned per test),
 * controller instances served on loopback (`controllerHooks` registers that
 * lifecycle), and a small request helper.
 */
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { basicAuthHeader, ControllerClient, createController, Database, migrate } from '@flynn-ts/controller';
import type { Controller, ControllerOptions } from '@flynn-ts/controller';
import { startTestPostgres, testPostgresMissing } from '@flynn-ts/controller/testing';
import type { TestPostgres } from '@flynn-ts/controller/testing';

export const KEY = 'test-key';

/** Why these tests cannot run here (one line), or undefined. Throws under CI=true. */
export const PG_MISSING = testPostgresMissing();

export interface PgFixture {
  pg: TestPostgres;
  /** A new, migrated database (copied from the template). */
  freshDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export async function setupPostgres(): Promise<PgFixture> {
  const server = await startTestPostgres();
  try {
    const templateUrl = await server.createDatabase({ name: 'controller_template' });
    const db = new Database(templateUrl);
    await migrate(db.pool);
    await db.close();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    pg: server,
    freshDatabase: () => server.createDatabase({ template: 'controller_template' }),
    stop: () => server.stop(),
  };
}

export interface Instance {
  controller: Controller;
  http: HttpServerHandle;
  url: string;
  client: ControllerClient;
  /** Requests through the in-process fetch handler (no socket). */
  call: (method: string, path: string, body?: unknown, init?: CallInit) => Promise<CallResult>;
  close(): Promise<void>;
}

export type InstanceOptions = Partial<ControllerOptions> & { port?: number };

/** The live state `controllerHooks` keeps up to date (read it inside hooks and tests). */
export interface ControllerHooks {
  /** This file's PostgreSQL. */
  fx: PgFixture;
  /** The current database (a fresh one per test, or one per file). */
  db: string;
  /** The current controller; a test may replace it (`t.c = await startInstance(t.db)`): the one here at the end is closed. */
  c: Instance;
}

/**
 * Registers the usual lifecycle of a controller test file in the enclosing
 * `describe`: a PostgreSQL for the file (`beforeAll`/`afterAll`) and, per
 * test (or once for the file with `per: 'file'`), a fresh migrated database
 * with a controller on it started with `options`, closed afterwards.
 * Hooks the caller registers afterwards run after these `before*` hooks and
 * before these `after*` hooks (vitest's default `sequence.hooks: 'stack'`).
 */
export function controllerHooks(options: InstanceOptions = {}, per: 'test' | 'file' = 'test'): ControllerHooks {
  const t = {} as ControllerHooks;
  const start = async () => {
    t.db = await t.fx.freshDatabase();
    t.c = await startInstance(t.db, options);
  };
  const stop = async () => {
    await t.c?.close();
  };
  beforeAll(async () => {
    t.fx = await setupPostgres();
    if (per === 'file') await start();
  });
  afterAll(async () => {
    if (per === 'file') await stop();
    await t.fx?.stop();
  });
  if (per === 'test') {
    beforeEach(start);
    afterEach(stop);
  }
  return t;
}

export interface CallInit {
  key?: string | null;
  headers?: Record<string, string>;
  /** Send this raw text as the body. */
  raw?: string;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function startInstance(database: string, options: InstanceOptions = {}): Promise<Instance> {
  const { port, ...rest } = options;
  const controller = await createController({ database, authKeys: [KEY], sseKeepAliveMs: 1_000, eventPollMs: 1_000, ...rest });
  const http = await serve(controller.fetch, { host: '127.0.0.1', port: port ?? 0, graceMs: 1_000 });
  // Attached runs (`POST /apps/:id/jobs` with `Upgrade: flynn-attach/0`) are upgrades, as the daemon wires them.
  http.server.on('upgrade', controller.upgrade);
  const client = new ControllerClient({ urls: [http.url], key: (rest.authKeys ?? [KEY])[0]!, timeoutMs: 10_000 });
  return {
    controller,
    http,
    url: http.url,
    client,
    call: (method, path, body, init) => call(controller, method, path, body, init),
    async close() {
      controller.shutdown();
      await http.close(500);
      await controller.close();
      await client.close();
    },
  };
}

export async function call(controller: Controller, method: string, path: string, body?: unknown, init: CallInit = {}): Promise<CallResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...(init.headers ?? {}) };
  if (init.key !== null) headers.authorization = basicAuthHeader(init.key ?? KEY);
  const payload = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const res = await controller.app.request(path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** Runs SQL on a database with a throwaway connection. */
export async function sql<R extends pg.QueryResultRow = any>(database: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Creates an app with an artifact and a release with the given process types; returns their ids. */
export async function appWithRelease(i: Instance, name: string, processes: string[] = ['web']): Promise<{ appId: string; releaseId: string; artifactId: string }> {
  const app = await i.call('POST', '/apps', { name });
  const artifact = await i.call('POST', '/artifacts', { type: 'docker', uri: `docker://${name}-${Date.now()}-${Math.random()}` });
  const release = await i.call('POST', '/releases', {
    app_id: app.body.id,
    artifacts: [artifact.body.id],
    processes: Object.fromEntries(processes.map((p) => [p, { args: [p] }])),
  });
  if (app.status !== 200 || release.status !== 200) throw new Error(`setup failed: ${app.text} ${release.text}`);
  return { appId: app.body.id, releaseId: release.body.id, artifactId: artifact.body.id };
}
