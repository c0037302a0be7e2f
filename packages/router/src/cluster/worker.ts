/**
 * A cluster worker: a {@link DataPlane} and its listeners, driven over IPC
 * by the primary's control plane. Listens only once the primary says the
 * initial routes and backends are in (`synced`), so a new worker never
 * answers 404 for a route that exists. On `shutdown` it drains gracefully and
 * exits 0.
 */
import { jsonLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { DataPlane } from '../data-plane.js';
import { Listeners } from '../listeners.js';
import type { AccessRecord } from '../proxy/proxy-context.js';
import { IPC_TAG, isRouterMessage } from './ipc-protocol.js';
import type { FromWorker, ToWorker, WorkerConfig } from './ipc-protocol.js';

export interface WorkerHandle {
  readonly plane: DataPlane;
  /** Resolves when the worker has shut down. */
  readonly stopped: Promise<void>;
}

/** Runs this process as a router worker (call it when `cluster.isWorker`). Resolves after shutdown. */
export function runClusterWorker(proc: NodeJS.Process = process): Promise<void> {
  return new Promise<void>((resolve) => {
    let plane: DataPlane | undefined;
    let listeners: Listeners | undefined;
    let config: WorkerConfig | undefined;
    let logger: Logger = jsonLogger({ fields: { app: 'router', worker: proc.pid } });
    const send = (m: FromWorker) => proc.send?.(m);
    const onMessage = (raw: unknown) => {
      if (!isRouterMessage<ToWorker>(raw)) return;
      const m = raw;
      switch (m.kind) {
        case 'config':
          config = m.config;
          logger = jsonLogger({ level: config.logLevel ?? 'info', fields: { app: 'router', worker: proc.pid } });
          plane = new DataPlane(planeOptions(config, logger));
          return;
        case 'update':
          plane?.apply(m.update);
          return;
        case 'synced':
          if (!plane || !config || listeners) return;
          listeners = new Listeners(plane, { ...listenerConfig(config), logger });
          listeners.bind().then(
            (ports) => send({ tag: IPC_TAG, kind: 'listening', ...ports }),
            (err: unknown) => {
              logger.error({ event: 'worker_listen_failed', err }, 'worker cannot listen');
              send({ tag: IPC_TAG, kind: 'failed', message: err instanceof Error ? err.message : String(err) });
              proc.exitCode = 1;
              proc.disconnect?.();
            },
          );
          return;
        case 'idle?':
          void (plane ? plane.whenIdle(m.service, m.addr) : Promise.resolve()).then(() => send({ tag: IPC_TAG, kind: 'idle', id: m.id }));
          return;
        case 'shutdown':
          void (listeners ? listeners.close(m.graceMs) : Promise.resolve()).then(() => {
            proc.off('message', onMessage);
            proc.disconnect?.();
            resolve();
          });
          return;
      }
    };
    proc.on('message', onMessage);
    // The primary orchestrates shutdown (a signal to the whole process group must not cut requests short).
    const ignore = () => {};
    proc.on('SIGTERM', ignore);
    proc.on('SIGINT', ignore);
    send({ tag: IPC_TAG, kind: 'hello' });
    // The primary went away: nothing will drive this data plane any more.
    proc.once('disconnect', () => {
      void (listeners ? listeners.close(1_000) : Promise.resolve()).then(() => resolve());
    });
  });
}

function planeOptions(c: WorkerConfig, logger: Logger): ConstructorParameters<typeof DataPlane>[0] {
  const o: NonNullable<ConstructorParameters<typeof DataPlane>[0]> = { defaultPorts: c.defaultPorts, logger };
  if (c.cookieKey) o.cookieKey = Buffer.from(c.cookieKey, 'base64');
  if (c.timeouts) o.timeouts = c.timeouts;
  if (c.maxHeaderBytes !== undefined) o.maxHeaderBytes = c.maxHeaderBytes;
  if (c.maxBodyBytes !== undefined) o.maxBodyBytes = c.maxBodyBytes;
  if (c.maxIdlePerBackend !== undefined) o.maxIdlePerBackend = c.maxIdlePerBackend;
  if (c.error503Page !== undefined) o.error503Page = c.error503Page;
  if (c.accessLog) o.onAccess = (r: AccessRecord) => logger.info({ event: 'access', ...r });
  return o;
}

function listenerConfig(c: WorkerConfig) {
  return {
    host: c.host,
    http: c.http,
    https: c.https,
    ...(c.tcpHost ? { tcpHost: c.tcpHost } : {}),
    ...(c.defaultCertificate ? { defaultCertificate: c.defaultCertificate } : {}),
    legacyTls: c.legacyTls === true,
    http2: c.http2 !== false,
    proxyProtocol: c.proxyProtocol === true,
  };
}
