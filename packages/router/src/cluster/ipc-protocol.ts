/**
 * Messages between the cluster primary (control side) and its workers (data
 * planes) over the node:cluster IPC channel. Everything is JSON.
 */
import type { PlaneUpdate } from '../data-plane.js';
import type { PortSpec } from '../listeners.js';
import type { ProxyTimeouts } from '../proxy/proxy-context.js';
import type { KeyPair } from '../tls/certificate-store.js';

export const IPC_TAG = 'flynn-router';

/** What a worker needs to run its data plane (sent once, first). */
export interface WorkerConfig {
  host: string;
  http: PortSpec[];
  https: PortSpec[];
  tcpHost?: string;
  defaultPorts: number[];
  defaultCertificate?: KeyPair;
  legacyTls?: boolean;
  http2?: boolean;
  proxyProtocol?: boolean;
  /** base64 of the 32-byte sticky cookie key. */
  cookieKey?: string;
  timeouts?: Partial<ProxyTimeouts>;
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
  maxIdlePerBackend?: number;
  error503Page?: string;
  /** Log every request as a JSON line. */
  accessLog?: boolean;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export type ToWorker =
  | { tag: typeof IPC_TAG; kind: 'config'; config: WorkerConfig }
  | { tag: typeof IPC_TAG; kind: 'update'; update: PlaneUpdate }
  | { tag: typeof IPC_TAG; kind: 'synced' }
  | { tag: typeof IPC_TAG; kind: 'idle?'; id: number; service: string; addr: string }
  | { tag: typeof IPC_TAG; kind: 'shutdown'; graceMs: number };

export type FromWorker =
  /** The worker's message handler is installed (messages sent before it would be lost). */
  | { tag: typeof IPC_TAG; kind: 'hello' }
  | { tag: typeof IPC_TAG; kind: 'listening'; http: number[]; https: number[] }
  | { tag: typeof IPC_TAG; kind: 'idle'; id: number }
  | { tag: typeof IPC_TAG; kind: 'failed'; message: string };

export function isRouterMessage<T extends { tag: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && (m as { tag?: unknown }).tag === IPC_TAG;
}
