/**
 * TCP health check (reference §1.9): healthy when a TCP connection to `addr`
 * opens within the timeout (default 2 s); the connection is closed at once.
 */
import { connect } from 'node:net';
import { FlynnError, linkSignals, systemClock } from '@flynn-ts/core';
import type { Clock } from '@flynn-ts/core';
import type { HealthCheck } from './health-check.js';
import { parseHostPort } from './health-check.js';

export interface TcpCheckOptions {
  /** `host:port` (`:port` means 127.0.0.1). */
  addr: string;
  /** Default 2 000 ms. */
  timeoutMs?: number;
  /** Times the timeout. Default the system clock. */
  clock?: Clock;
}

export function tcpCheck(options: TcpCheckOptions): HealthCheck {
  const { host, port } = parseHostPort(options.addr);
  const timeoutMs = options.timeoutMs ?? 2_000;
  const clock = options.clock ?? systemClock;
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const linked = linkSignals([signal], { timeoutMs, clock, what: `tcp check ${options.addr}` });
      const socket = connect({ host, port });
      const finish = (err?: unknown) => {
        linked.dispose();
        linked.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = () => finish(linked.signal.reason);
      if (linked.signal.aborted) return onAbort();
      linked.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => finish());
      socket.once('error', (err) =>
        finish(new FlynnError('FLYNN_DISCOVERY_HEALTH_TCP', `tcp check ${options.addr}: ${err.message}`, { apiCode: 'service_unavailable', cause: err })),
      );
    });
}
