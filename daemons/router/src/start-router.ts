/**
 * Composes the router daemon from @flynn-ts/router: the route source (a
 * watched routes file, else none yet), the backend source (discovery, else
 * the file's static backends), one process (`createRouter`) or a cluster
 * (control plane + API here, data planes in workers), and the discovery
 * registrations `router-api` and `router-http`.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FlynnError } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { ControllerClient, controllerRouteSource, discoveredUrls } from '@flynn-ts/controller';
import { DiscoveryClient } from '@flynn-ts/discovery';
import type { Heartbeater } from '@flynn-ts/discovery';
import { ControlPlane, createRouter, createRouterApi, discoveryBackends, FileRouteSource, MemoryRouteSource, serveApi, staticBackends } from '@flynn-ts/router';
import type { BackendSource, KeyPair, RouteSource } from '@flynn-ts/router';
import { startCluster } from '@flynn-ts/router';
import type { WorkerConfig } from '@flynn-ts/router';
import type { RouterDaemonConfig } from './config.js';

export interface RunningRouter {
  /** Bound ports (the default one first). */
  http: number[];
  https: number[];
  api: number;
  close(): Promise<void>;
}

/** Routes from the controller (reference §7.2): list, then follow route events. */
function controllerSource(c: RouterDaemonConfig, key: string, discovery: DiscoveryClient | undefined, logger: Logger) {
  if (c.controllerUrls.length === 0 && !discovery) throw new FlynnError('FLYNN_ROUTER_CONFIG', 'CONTROLLER_KEY needs CONTROLLER_URL or discoverd to find the controller');
  const discovered = c.controllerUrls.length === 0 && discovery ? discoveredUrls(discovery, 'controller', logger) : undefined;
  const client = new ControllerClient({ urls: discovered ? () => discovered.urls() : c.controllerUrls, key, logger });
  logger.info({ event: 'route_source', source: 'controller', urls: c.controllerUrls.length > 0 ? c.controllerUrls : 'discovery' }, 'routes follow the controller');
  return { source: controllerRouteSource(client, { logger }), close: () => discovered?.close() };
}

export async function startRouterDaemon(c: RouterDaemonConfig, logger: Logger): Promise<RunningRouter> {
  const tls = await loadTls(c);
  const cookieKey = c.cookieKey ?? generatedKey(logger);
  const error503Page = c.error503PageUrl ? await fetchPage(c.error503PageUrl, logger) : undefined;
  const file = c.routesFile ? new FileRouteSource(c.routesFile, { logger }) : undefined;
  if (file) await file.load().catch((err: unknown) => logger.error({ event: 'routes_file_unreadable', path: c.routesFile, err }, 'cannot read routes file'));
  const discovery = c.discoverd.length > 0 ? new DiscoveryClient({ servers: c.discoverd, logger, externalIp: c.externalIp }) : undefined;
  const controller = c.controllerKey ? controllerSource(c, c.controllerKey, discovery, logger) : undefined;
  const source: RouteSource = controller?.source ?? file ?? new MemoryRouteSource([]);
  if (!file && !controller) logger.warn({ event: 'no_route_source' }, 'no -routes-file and no CONTROLLER_KEY: starting without routes');
  const backends: BackendSource = discovery ? discoveryBackends(discovery) : (file ?? staticBackends({}));
  const [httpDefault, ...httpExtra] = c.httpPorts;
  const [httpsDefault, ...httpsExtra] = c.httpsPorts;
  const onAccess = c.accessLog ? (r: object) => logger.info({ event: 'access', ...r }) : undefined;
  const proxy = { cookieKey, maxBodyBytes: c.maxBodyBytes, ...(error503Page ? { error503Page } : {}), ...(onAccess ? { onAccess } : {}) };

  let ports: { http: number[]; https: number[]; api: number };
  let stop: () => Promise<void>;
  if (c.workers === 0) {
    const router = createRouter({ source, backends, ...proxy, ...(tls ? { tls } : {}), legacyTls: c.legacyTls, proxyProtocol: c.proxyProtocol, logger });
    const bound = await router.listen({
      host: c.listenIp,
      ...(httpDefault !== undefined ? { http: httpDefault } : {}),
      ...(httpsDefault !== undefined ? { https: httpsDefault } : {}),
      additionalHttp: httpExtra,
      additionalHttps: httpsExtra,
      api: c.apiPort,
      tcpHost: c.tcpIp,
    });
    ports = { http: bound.http, https: bound.https, api: Number(new URL(bound.api!).port) };
    stop = () => router.close({ graceMs: c.shutdownGraceMs });
  } else {
    const defaultPorts = [httpDefault, httpsDefault].filter((p): p is number => p !== undefined && p !== 0);
    const control = new ControlPlane({ source, backends, defaultPorts, reservedPorts: [...c.httpPorts, ...c.httpsPorts, c.apiPort], logger });
    await control.start();
    const config: WorkerConfig = {
      host: c.listenIp,
      http: c.httpPorts.map((port, i) => ({ port, default: i === 0 })),
      https: c.httpsPorts.map((port, i) => ({ port, default: i === 0 })),
      tcpHost: c.tcpIp,
      defaultPorts,
      legacyTls: c.legacyTls,
      proxyProtocol: c.proxyProtocol,
      cookieKey: cookieKey.toString('base64'),
      maxBodyBytes: c.maxBodyBytes,
      accessLog: c.accessLog,
      logLevel: c.logLevel,
      ...(tls ? { defaultCertificate: tls } : {}),
      ...(error503Page ? { error503Page } : {}),
    };
    const cluster = startCluster({ workers: c.workers, config, control, logger, ...(c.clusterScheduling ? { scheduling: c.clusterScheduling } : {}) });
    const bound = await cluster.ready;
    const api = await serveApi((await createRouterApi(control, { logger })).fetch, { port: c.apiPort, host: c.listenIp, logger });
    ports = { http: bound.http, https: bound.https, api: api.port };
    stop = async () => {
      await cluster.close(c.shutdownGraceMs);
      await api.close(500);
      control.close();
    };
  }

  const registrations: Heartbeater[] = [];
  if (discovery) {
    registrations.push(await discovery.register('router-api', `${c.externalIp}:${ports.api}`));
    if (ports.http[0] !== undefined) registrations.push(await discovery.register('router-http', `${c.externalIp}:${ports.http[0]}`));
  }
  return {
    ...ports,
    async close() {
      // Leave discovery first, so clients stop picking this router while it drains.
      await Promise.allSettled(registrations.map((r) => r.close()));
      await stop();
      file?.close();
      controller?.close();
      await discovery?.close();
    },
  };
}

async function loadTls(c: RouterDaemonConfig): Promise<KeyPair | undefined> {
  if (c.tlsCertFile && c.tlsKeyFile) return { cert: await readFile(c.tlsCertFile, 'utf8'), key: await readFile(c.tlsKeyFile, 'utf8') };
  if (c.tlsCertPem && c.tlsKeyPem) return { cert: c.tlsCertPem, key: c.tlsKeyPem };
  return undefined;
}

function generatedKey(logger: Logger): Buffer {
  logger.warn({ event: 'cookie_key_generated' }, 'COOKIE_KEY is not set: generated a random one; sticky cookies will not survive a restart or work across routers');
  return randomBytes(32);
}

/** ERROR_503_PAGE_URL: fetched once at start (at most 1 MB); a failure is logged and the plain 503 is used. */
async function fetchPage(url: string, logger: Logger): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    const text = await res.text();
    return text.slice(0, 1_000_000);
  } catch (err) {
    logger.error({ event: 'error_page_fetch_failed', url, err }, 'cannot fetch ERROR_503_PAGE_URL');
    return undefined;
  }
}
