/**
 * What a {@link DnsWorkerPool} primary and its DNS worker processes
 * (`dns-worker.ts`) say to each other: the worker's configuration (JSON in an
 * environment variable) and the messages it sends back over the cluster IPC
 * channel. The primary sends `{type: 'close'}` to stop a worker.
 */
import type { LogLevel } from '@flynn-ts/core';

export const DNS_WORKER_ENV = 'FLYNN_DNS_WORKER';

/** What the primary passes to each worker. */
export interface DnsWorkerConfig {
  /** UDP `ip:port` to answer on (the primary's shared socket). */
  udpAddr: string;
  /** Base URL of the discoverd HTTP API whose registry the worker follows. */
  apiUrl: string;
  recursors: string[];
  recursionTimeoutMs?: number;
  viewTimeoutMs?: number;
  maxUdpRecords?: number;
  /** Services watched at once per worker. Default 256. */
  maxServices?: number;
  logLevel: LogLevel;
  /** Extra fields on every log line (e.g. `{app: 'discoverd'}`). */
  logFields?: Record<string, unknown>;
}

/** Messages a worker sends to the primary. */
export type DnsWorkerMessage = { type: 'listening'; address: string; port: number } | { type: 'failed'; message: string };

