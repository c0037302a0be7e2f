/**
 * The environment a job runs with, as the original host builds it: the host's
 * default env (`EXTERNAL_IP` = host IP, `LISTEN_IP`, `DISCOVERD` once
 * configured) under the job's own env (the job wins), then `PORT` (the first
 * port) and `PORT_<i>` for every port (port 0 ⇒ 5000+i), and `EXTERNAL_IP`
 * set to the container's IP when it has its own. A job in its own network
 * namespace also gets `LISTEN_IP` = that IP unless its env sets one: the
 * host's listen address (often 127.0.0.1) means nothing inside the
 * container, and a job bound there could not be reached. Pure.
 */
import type { Port } from '../../types.js';

export interface JobEnvInput {
  /** The job's `config.env`. */
  env?: Record<string, string>;
  /** The job's `config.ports`. */
  ports?: Port[];
  /** Host-level defaults (`EXTERNAL_IP`, `LISTEN_IP`, `DISCOVERD`); the job's env overrides them. */
  defaults?: Record<string, string>;
  /** The container's own IP (not for host-network jobs); overrides `EXTERNAL_IP`. */
  containerIp?: string;
}

export interface JobEnv {
  env: Record<string, string>;
  /** The ports with 0 replaced by 5000+i. */
  ports: Port[];
}

/** Port 0 at index i becomes 5000+i (the original's allocation). */
export function resolvePorts(ports: readonly Port[] | undefined): Port[] {
  return (ports ?? []).map((p, i) => (p.port === 0 ? { ...p, port: 5000 + i } : { ...p }));
}

export function buildJobEnv(input: JobEnvInput): JobEnv {
  const env: Record<string, string> = Object.fromEntries([...Object.entries(input.defaults ?? {}), ...Object.entries(input.env ?? {})]);
  const ports = resolvePorts(input.ports);
  ports.forEach((p, i) => {
    if (i === 0) env.PORT = String(p.port);
    env[`PORT_${i}`] = String(p.port);
  });
  if (input.containerIp !== undefined) {
    env.EXTERNAL_IP = input.containerIp;
    if (input.env?.LISTEN_IP === undefined) env.LISTEN_IP = input.containerIp;
  }
  return { env, ports };
}
