/**
 * The controller's URLs from the instances of service `controller` in
 * discovery (when `CONTROLLER_URL` is not set), kept current by a watch.
 */
import type { Logger } from '@flynn-ts/core';
import type { ServiceDiscovery } from '@flynn-ts/discovery';

export interface DiscoveredUrls {
  urls(): readonly string[];
  /** Resolves once an instance is known, or after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  close(): void;
}

export function discoveredUrls(discovery: Pick<ServiceDiscovery, 'watch'>, service: string, logger: Logger): DiscoveredUrls {
  const addrs = new Map<string, string>();
  const ctl = new AbortController();
  const waiters = new Set<() => void>();
  void (async () => {
    while (!ctl.signal.aborted) {
      const watch = discovery.watch(service, { signal: ctl.signal, kinds: new Set(['up', 'update', 'down']) });
      try {
        for await (const e of watch) {
          if (!e.instance) continue;
          if (e.kind === 'down') addrs.delete(e.instance.id);
          else addrs.set(e.instance.id, e.instance.addr);
          if (addrs.size > 0) for (const w of waiters) w();
          logger.info({ event: 'controller_instances', addrs: [...addrs.values()] }, 'controller instances changed');
        }
      } catch (err) {
        if (!ctl.signal.aborted) logger.warn({ event: 'controller_watch_failed', err }, 'controller watch failed; retrying');
      } finally {
        watch.close();
      }
      await new Promise((r) => setTimeout(r, 1_000).unref());
    }
  })();
  return {
    urls: () => [...addrs.values()].map((a) => `http://${a}`),
    ready: (timeoutMs) =>
      addrs.size > 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              waiters.delete(done);
              clearTimeout(timer);
              resolve();
            };
            const timer = setTimeout(done, timeoutMs);
            waiters.add(done);
          }),
    close: () => ctl.abort(),
  };
}
