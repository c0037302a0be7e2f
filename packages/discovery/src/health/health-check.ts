/**
 * A health check is a function that resolves when the service is healthy and
 * rejects (with the reason) when it is not. It gets a signal that aborts when
 * the monitor stops; each check enforces its own timeout.
 */
export type HealthCheck = (signal: AbortSignal) => Promise<void>;

/** A check that passes when every check passes (run in parallel); fails with the first failure. */
export function allChecks(checks: readonly HealthCheck[]): HealthCheck {
  if (checks.length === 1) return checks[0]!;
  return async (signal) => {
    await Promise.all(checks.map((c) => c(signal)));
  };
}

/** The `host` and numeric `port` of `host:port` / `[v6]:port`; throws on anything else. */
export function parseHostPort(addr: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]*):(\d+)$/.exec(addr);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new RangeError(`health check: invalid address ${JSON.stringify(addr)}, want host:port`);
  return { host: m[1] === '' ? '127.0.0.1' : m[1]!, port };
}
